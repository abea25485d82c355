import { expect, it } from 'vitest';
import { countEvents, recordEvent, type NewEvent } from '../../src/store/events.js';
import { describeOnEachDatabase, gate, useFreshStore } from '../helpers/stores.js';
import { waitFor } from '../helpers/harness.js';

const event = (eventId: string): NewEvent => ({
  gateway: 'local',
  eventId,
  session: 'default',
  type: 'call.received',
  callId: 'c1',
  outcome: 'processed',
  receivedAt: 1_000,
  body: '{}',
});

describeOnEachDatabase('event dedupe', (dialect) => {
  const fresh = useFreshStore(dialect);

  it('stores an event id once per gateway', async () => {
    expect(await recordEvent(fresh.store.db, event('e1'))).toBe(true);
    expect(await recordEvent(fresh.store.db, event('e1'))).toBe(false);
    expect(await recordEvent(fresh.store.db, { ...event('e1'), gateway: 'other' })).toBe(true);
    expect(await countEvents(fresh.store.db)).toBe(2);
  });

  it('a delivery racing an uncommitted copy of itself is a duplicate once that copy commits', async () => {
    const hold = gate();
    let first: boolean | undefined;
    const t1 = fresh.store.db.transaction().execute(async (trx) => {
      first = await recordEvent(trx, event('race'));
      await hold.promise;
    });
    await waitFor('the first copy to be written', () => first !== undefined);
    const t2 = fresh.store.db.transaction().execute((trx) => recordEvent(trx, event('race')));
    hold.open();
    await t1;
    expect([first, await t2]).toEqual([true, false]);
    expect(await countEvents(fresh.store.db)).toBe(1);
  });

  it('a delivery racing a copy that rolls back is stored', async () => {
    const hold = gate();
    let first: boolean | undefined;
    const t1 = fresh.store.db
      .transaction()
      .execute(async (trx) => {
        first = await recordEvent(trx, event('undone'));
        await hold.promise;
        throw new Error('roll back');
      })
      .catch(() => 'rolled back');
    await waitFor('the first copy to be written', () => first !== undefined);
    const t2 = fresh.store.db.transaction().execute((trx) => recordEvent(trx, event('undone')));
    hold.open();
    expect(await t1).toBe('rolled back');
    expect(await t2).toBe(true);
    expect(await countEvents(fresh.store.db)).toBe(1);
  });
});
