import { expect, it } from 'vitest';
import type { Call } from '../../src/domain/types.js';
import { findCall, listCalls } from '../../src/store/calls.js';
import { describeOnEachDatabase, gate, useFreshStore } from '../helpers/stores.js';
import { aCall } from '../helpers/calls.js';
import { waitFor } from '../helpers/harness.js';
import { saveCall } from '../helpers/writes.js';

const ringing = (callId: string, over: Partial<Call> = {}): Call => aCall({ callId, ...over });

describeOnEachDatabase('calls', (dialect) => {
  const fresh = useFreshStore(dialect);

  it("finds calls by part of the caller's name, in any case, with % and _ taken as written", async () => {
    const names = ['John Smith', 'Joanna', 'MAJOR Tom', '100%_sure', null];
    for (const [i, name] of names.entries()) await saveCall(fresh.store.db, ringing(`n${i}`, { name }), null, i);
    const found = async (name: string) =>
      (await listCalls(fresh.store.db, { name, limit: 10 })).map((c) => c.name).sort();
    expect(await found('jo')).toEqual(['Joanna', 'John Smith', 'MAJOR Tom']);
    expect(await found('SMITH')).toEqual(['John Smith']);
    expect(await found('%')).toEqual(['100%_sure']);
    expect(await found('%_s')).toEqual(['100%_sure']);
    expect(await found('j_hn')).toEqual([]);
  });

  it('saves a call only over the status it was decided on', async () => {
    expect(await saveCall(fresh.store.db, ringing('c1'), null, 1)).toBeTypeOf('number');
    expect(await saveCall(fresh.store.db, ringing('c1'), null, 2)).toBeNull();
    expect(
      await saveCall(fresh.store.db, { ...ringing('c1'), status: 'answered', endedAt: 5 }, 'ringing', 5),
    ).toBeTypeOf('number');
    expect(await saveCall(fresh.store.db, { ...ringing('c1'), status: 'missed', endedAt: 6 }, 'ringing', 6)).toBeNull();
    expect(await findCall(fresh.store.db, 'default', 'c1')).toMatchObject({ status: 'answered', endedAt: 5 });
  });

  it('of two concurrent transactions ending one ringing call, the second finds its decision stale', async () => {
    await saveCall(fresh.store.db, ringing('c2'), null, 1);
    const hold = gate();
    let first: number | null | undefined;
    const t1 = fresh.store.db.transaction().execute(async (trx) => {
      first = await saveCall(trx, { ...ringing('c2'), status: 'answered', endedAt: 2 }, 'ringing', 2);
      await hold.promise;
    });
    await waitFor('the first writer to update the call', () => first !== undefined);
    const t2 = fresh.store.db
      .transaction()
      .execute((trx) => saveCall(trx, { ...ringing('c2'), status: 'missed', endedAt: 3 }, 'ringing', 3));
    hold.open();
    await t1;
    expect(first).toBeTypeOf('number');
    expect(await t2).toBeNull();
    expect(await findCall(fresh.store.db, 'default', 'c2')).toMatchObject({ status: 'answered' });
  });

  it('pages through calls newest first with the cursor, without overlap, honouring filters', async () => {
    for (let i = 0; i < 25; i++) {
      await saveCall(
        fresh.store.db,
        ringing(`p${i}`, {
          caller: i % 2 ? '15550000222@c.us' : '15550000333@c.us',
          session: i < 20 ? 'default' : 'other',
        }),
        null,
        i,
      );
    }
    const seen: string[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await listCalls(fresh.store.db, { limit: 10, before });
      seen.push(...page.map((c) => c.callId));
      if (page.length < 10) break;
      before = page.at(-1)!.id;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `p${24 - i}`));
    const callers = await listCalls(fresh.store.db, { limit: 100, caller: '15550000222@c.us', session: 'default' });
    expect(callers.map((c) => c.callId)).toEqual(['p19', 'p17', 'p15', 'p13', 'p11', 'p9', 'p7', 'p5', 'p3', 'p1']);
    expect(callers[0]).toMatchObject({ status: 'ringing', redirectAction: null, receivedAt: 1_000 });
  });
});
