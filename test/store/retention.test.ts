import { expect, it } from 'vitest';
import { recordAttempt } from '../../src/store/actions.js';
import { findCall } from '../../src/store/calls.js';
import { countEvents, recordEvent } from '../../src/store/events.js';
import { HISTORY_TABLES, pruneOldest } from '../../src/store/retention.js';
import { openOrJoinItem } from '../../src/store/workItems.js';
import type { Call } from '../../src/domain/types.js';
import { aCall } from '../helpers/calls.js';
import { describeOnEachDatabase, useFreshStore } from '../helpers/stores.js';
import { insertActions, saveCall } from '../helpers/writes.js';

const DAY = 86_400_000;
const NOW = 200 * DAY;

const call = (callId: string, receivedAt: number, status: Call['status']): Call =>
  aCall({ callId, receivedAt, status, endedAt: status === 'ringing' ? null : receivedAt + 60_000 });

describeOnEachDatabase('history retention', (dialect) => {
  const fresh = useFreshStore(dialect);

  async function store(callId: string, at: number, status: Call['status'], actionStatus: 'pending' | 'done') {
    const db = fresh.store.db;
    await recordEvent(db, {
      gateway: 'local',
      eventId: `evt-${callId}`,
      session: 'default',
      type: 'call.received',
      callId,
      outcome: 'processed',
      receivedAt: at,
      body: '{}',
    });
    await saveCall(db, call(callId, at, status), null, at);
    const [action] = await insertActions(
      db,
      'default',
      callId,
      [
        {
          kind: 'sendRedirect',
          key: `redirect:default:${callId}`,
          expiresAt: at + 120_000,
          payload: { chatId: '15550000111@c.us', template: 'hi', name: null, isVideo: false },
        },
      ],
      at,
      30_000,
    );
    if (actionStatus === 'done') {
      // A failed try (a row of its own), then the one that succeeded (kept on the action).
      const tried = { actionId: action!.id, startedAt: at, durationMs: 3, statusCode: null, attempted: true };
      await recordAttempt(db, { ...tried, outcome: 'retry', error: 'HTTP 503', nextAttemptAt: at + 1 }, at);
      await recordAttempt(db, { ...tried, startedAt: at + 1, outcome: 'ok', error: null, nextAttemptAt: null }, at + 1);
    }
  }

  async function pruneAll(before: number, chunk: number) {
    let rounds = 0;
    for (let more = true; more; rounds++) {
      more = false;
      for (const table of HISTORY_TABLES)
        if ((await pruneOldest(fresh.store.db, table, before, chunk)) === chunk) more = true;
    }
    return rounds;
  }

  it('deletes what is older than the cutoff, in chunks, and keeps the rest and what is still in use', async () => {
    for (let i = 0; i < 7; i++) await store(`old-${i}`, 10 * DAY + i, 'missed', 'done');
    await store('old-ringing', 11 * DAY, 'ringing', 'pending');
    await store('recent', NOW - DAY, 'answered', 'done');

    const rounds = await pruneAll(NOW - 90 * DAY, 3);
    expect(rounds).toBeGreaterThan(2);
    // The ringing call and its pending action are in use; their event is plain history.
    expect(await findCall(fresh.store.db, 'default', 'old-ringing')).not.toBeNull();
    expect(await findCall(fresh.store.db, 'default', 'old-0')).toBeNull();
    expect(await findCall(fresh.store.db, 'default', 'recent')).not.toBeNull();
    expect(await countEvents(fresh.store.db)).toBe(1);
    const actions = await fresh.store.db.selectFrom('actions').select('call_id').orderBy('id').execute();
    expect(actions.map((a) => a.call_id)).toEqual(['old-ringing', 'recent']);
    const attempts = await fresh.store.db.selectFrom('action_attempts').select('action_id').execute();
    expect(attempts).toHaveLength(1);
  });

  it('deletes old work items that are done, with their lists of calls; an open one stays, whatever its age', async () => {
    const db = fresh.store.db;
    const item = async (caller: string, at: number, done: boolean) => {
      const id = await openOrJoinItem(
        db,
        'default',
        { caller, kind: 'missed', callId: `${caller}-c`, message: null },
        at,
      );
      if (done)
        await db
          .updateTable('work_items')
          .set({ done_at: at + 1, done_by: 'ana', resolution: 'no_action' })
          .where('id', '=', id!)
          .execute();
    };
    await item('15550000001@c.us', 10 * DAY, true);
    await item('15550000002@c.us', 10 * DAY, false);
    await item('15550000003@c.us', NOW - DAY, true);
    await pruneAll(NOW - 90 * DAY, 10);
    const left = await db.selectFrom('work_items').select('caller').orderBy('id').execute();
    expect(left.map((r) => r.caller)).toEqual(['15550000002@c.us', '15550000003@c.us']);
    const calls = await db.selectFrom('work_item_calls').select('call_id').orderBy('call_id').execute();
    expect(calls.map((r) => r.call_id)).toEqual(['15550000002@c.us-c', '15550000003@c.us-c']);
  });

  it('does nothing, cheaply, when nothing is old', async () => {
    await store('recent', NOW - DAY, 'answered', 'done');
    for (const table of HISTORY_TABLES) expect(await pruneOldest(fresh.store.db, table, NOW - 90 * DAY, 100)).toBe(0);
    expect(await countEvents(fresh.store.db)).toBe(1);
  });
});
