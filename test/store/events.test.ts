import { expect, it } from 'vitest';
import { countEvents, recordEvent } from '../../src/store/events.js';
import { describeOnEachDatabase, gate, useFreshStore } from '../helpers/stores.js';
import { waitFor } from '../helpers/harness.js';
import { aStoredEvent } from '../helpers/calls.js';

describeOnEachDatabase('event dedupe', (dialect) => {
  const fresh = useFreshStore(dialect);

  it('stores an event id once per gateway', async () => {
    expect(await recordEvent(fresh.store.db, aStoredEvent('e1'))).toBe(true);
    expect(await recordEvent(fresh.store.db, aStoredEvent('e1'))).toBe(false);
    expect(await recordEvent(fresh.store.db, { ...aStoredEvent('e1'), gateway: 'other' })).toBe(true);
    expect(await countEvents(fresh.store.db)).toBe(2);
  });

  it('a delivery racing an uncommitted copy of itself is a duplicate once that copy commits', async () => {
    const hold = gate();
    let first: boolean | undefined;
    const t1 = fresh.store.db.transaction().execute(async (trx) => {
      first = await recordEvent(trx, aStoredEvent('race'));
      await hold.promise;
    });
    await waitFor('the first copy to be written', () => first !== undefined);
    const t2 = fresh.store.db.transaction().execute((trx) => recordEvent(trx, aStoredEvent('race')));
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
        first = await recordEvent(trx, aStoredEvent('undone'));
        await hold.promise;
        throw new Error('roll back');
      })
      .catch(() => 'rolled back');
    await waitFor('the first copy to be written', () => first !== undefined);
    const t2 = fresh.store.db.transaction().execute((trx) => recordEvent(trx, aStoredEvent('undone')));
    hold.open();
    expect(await t1).toBe('rolled back');
    expect(await t2).toBe(true);
    expect(await countEvents(fresh.store.db)).toBe(1);
  });
});
