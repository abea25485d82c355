import { expect, it } from 'vitest';
import { findCall } from '../../src/store/calls.js';
import { ringEvent, useTwoPipelines } from '../helpers/pipelines.js';
import { describeOnEachDatabase } from '../helpers/stores.js';

const T = 1_700_000_000_000;
const CALLER = '15550000001@c.us';

describeOnEachDatabase('a due timer', (dialect) => {
  const two = useTwoPipelines(dialect);
  const db = () => two.stores[0]!.db;

  async function ringTimer(callId: string) {
    await two.replicas[0].ingest(ringEvent(`ring-${callId}`, callId, CALLER), T);
    const t = await db().selectFrom('timers').selectAll().where('call_id', '=', callId).executeTakeFirstOrThrow();
    return { key: t.key, kind: t.kind, session: t.session, callId, dueAt: t.due_at };
  }

  it('fires once when both replicas are handed it, and stores no event row of its own', async () => {
    const due = await ringTimer('c1');
    const outcomes = await Promise.all(two.replicas.map((p) => p.fireTimer(due, T + 61_000)));
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['duplicate', 'processed']);
    expect(await findCall(db(), 'default', 'c1')).toMatchObject({ status: 'missed' });
    // The missed call went to the agents' queue once; the only event stored is the webhook.
    expect(await db().selectFrom('work_item_calls').select('call_id').execute()).toEqual([{ call_id: 'c1' }]);
    expect(await db().selectFrom('events').select(['gateway', 'type']).execute()).toEqual([
      { gateway: 'local', type: 'call.received' },
    ]);
    expect(await db().selectFrom('timers').select('key').execute()).toEqual([]);
  });

  it('of a session no longer configured is spent, and decides nothing', async () => {
    const due = await ringTimer('c2');
    const done = await two.replicas[1].fireTimer({ ...due, session: 'gone' }, T + 61_000);
    expect(done).toMatchObject({ outcome: 'unknown_session', actions: [], changedCall: null });
    expect(await findCall(db(), 'default', 'c2')).toMatchObject({ status: 'ringing' });
    expect(await db().selectFrom('timers').select('key').execute()).toEqual([]);
  });
});
