import { expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import { findWorkItems } from '../../src/store/queue.js';
import { followUpKey } from '../../src/domain/followUp.js';
import { openOrJoinItem } from '../../src/store/workItems.js';
import { ringEvent, useTwoPipelines } from '../helpers/pipelines.js';
import { describeOnEachDatabase } from '../helpers/stores.js';

const clock = new ManualClock();
const T = 1_700_000_000_000;
const CALLER = '15550000001@c.us';
const ring = (callId: string, caller = CALLER) => ringEvent(`ring-${callId}`, callId, caller);

describeOnEachDatabase('the work queue', (dialect) => {
  const two = useTwoPipelines(dialect, clock);
  const db = () => two.stores[0]!.db;

  /** A caller's calls, all rung and then missed, the ring timeouts fired on both two.replicas at once. */
  async function missedCalls(callIds: string[], caller = CALLER) {
    const [a, b] = two.replicas;
    for (const id of callIds) await a.ingest(ring(id, caller), T);
    const timers = await db().selectFrom('timers').select(['key', 'call_id', 'due_at']).execute();
    const due = timers.map((t) => ({
      key: t.key,
      kind: 'ringTimeout',
      session: 'default',
      callId: t.call_id,
      dueAt: t.due_at,
    }));
    await Promise.all(due.map((t, i) => (i % 2 ? a : b).fireTimer(t, T + 61_000)));
  }

  it("a caller's missed calls, fired on two two.replicas at once, gather in one open item", async () => {
    await missedCalls(['c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    const items = await db().selectFrom('work_items').selectAll().execute();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ caller: CALLER, kind: 'missed', done_at: null });
    const [stored] = await findWorkItems(db(), [items[0]!.id]);
    expect(stored!.calls.map((c) => c.callId)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
  });

  it('a join keeps the highest priority: p1 over vip over missed, the kind following it', async () => {
    const open = (kind: 'missed' | 'vip' | 'p1', callId: string | null, message: string | null = null) =>
      openOrJoinItem(db(), 'default', { caller: CALLER, kind, callId, message }, T);
    const id = await open('missed', 'c1');
    expect(await open('vip', 'c2')).toBe(id);
    expect(await open('missed', 'c3')).toBe(id);
    const row = () => db().selectFrom('work_items').select(['kind', 'priority', 'message']).executeTakeFirstOrThrow();
    expect(await row()).toEqual({ kind: 'vip', priority: 2, message: null });
    expect(await open('p1', null, 'please call me')).toBe(id);
    expect(await open('vip', 'c4')).toBe(id);
    expect(await row()).toEqual({ kind: 'p1', priority: 3, message: 'please call me' });
    const calls = await db().selectFrom('work_item_calls').select('call_id').orderBy('call_id').execute();
    expect(calls.map((c) => c.call_id)).toEqual(['c1', 'c2', 'c3', 'c4']);
  });

  it('one open item per caller: the database refuses a second; once done, the next call opens a new one', async () => {
    const id = await openOrJoinItem(
      db(),
      'default',
      { caller: CALLER, kind: 'missed', callId: 'c1', message: null },
      T,
    );
    const second = { session: 'default', caller: CALLER, kind: 'missed', priority: 1, opened_at: T, updated_at: T };
    await expect(db().insertInto('work_items').values(second).execute()).rejects.toThrow(/unique/i);
    await db()
      .updateTable('work_items')
      .set({ done_at: T + 1, done_by: 'ana', resolution: 'replied' })
      .execute();
    const next = await openOrJoinItem(db(), 'default', { caller: CALLER, kind: 'vip', callId: 'c2', message: null }, T);
    expect(next).not.toBe(id);
    // Another caller, or the same number on another session, is another item.
    await openOrJoinItem(db(), 'other', { caller: CALLER, kind: 'missed', callId: 'c3', message: null }, T);
    expect(await db().selectFrom('work_items').select('id').where('done_at', 'is', null).execute()).toHaveLength(2);
  });

  it('two agents claiming at once, on two two.replicas: exactly one wins; the other learns who', async () => {
    const id = (await openOrJoinItem(
      db(),
      'default',
      { caller: CALLER, kind: 'missed', callId: 'c1', message: null },
      T,
    ))!;
    const [a, b] = two.replicas;
    const outcomes = await Promise.all([
      a.updateQueue({ op: 'claim', id, agent: 'ana' }, T),
      b.updateQueue({ op: 'claim', id, agent: 'bo' }, T),
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    const refused = outcomes.find((o) => !o.ok);
    const winner = outcomes[0]!.ok ? 'ana' : 'bo';
    expect(refused).toMatchObject({ ok: false, item: { claimed_by: winner } });
    const row = await db().selectFrom('work_items').select('claimed_by').executeTakeFirstOrThrow();
    expect(row.claimed_by).toBe(winner);
  });

  it("claiming and closing delete the follow-ups of the item's calls, and only those", async () => {
    await missedCalls(['c1', 'c2']);
    await missedCalls(['d1'], '15550000002@c.us');
    const followUps = ['c1', 'c2', 'd1'].map((c) => followUpKey('default', c));
    await db()
      .insertInto('timers')
      .values(followUps.map((key, i) => ({ key, kind: 'followUp', session: 'default', call_id: `x${i}`, due_at: T })))
      .execute();
    const [item] = await db().selectFrom('work_items').select('id').where('caller', '=', CALLER).execute();
    expect(await two.replicas[0].updateQueue({ op: 'claim', id: item!.id, agent: 'ana' }, T)).toMatchObject({
      ok: true,
    });
    const left = await db().selectFrom('timers').select('key').execute();
    expect(left.map((t) => t.key)).toEqual([followUpKey('default', 'd1')]);
  });
});
