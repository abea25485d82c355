import { expect, it } from 'vitest';
import {
  claimDueActions,
  extendLease,
  listActionsForCall,
  listAttempts,
  recordAttempt,
  startSending,
} from '../../src/store/actions.js';
import { claimDueTimers, takeTimer } from '../../src/store/timers.js';
import { describeOnEachDatabase, gate, useFreshStore } from '../helpers/stores.js';
import { waitFor } from '../helpers/harness.js';
import { insertActions, scheduleTimers } from '../helpers/writes.js';

const LEASE = 30_000;
const timers = (n: number, dueAt: number) =>
  Array.from({ length: n }, (_, i) => ({
    key: `ring:default:t${i}`,
    kind: 'ringTimeout' as const,
    dueAt,
    callId: `t${i}`,
  }));
const redirects = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'sendRedirect' as const,
    key: `redirect:default:a${i}`,
    expiresAt: 1_000_000,
    payload: { chatId: `${15550000000 + i}@c.us`, template: 'hi', name: null, isVideo: false },
  }));

describeOnEachDatabase('claiming timers and actions', (dialect) => {
  const fresh = useFreshStore(dialect);

  it('two claimers never get the same timer, and the second does not wait for the first (SKIP LOCKED)', async () => {
    await scheduleTimers(fresh.store.db, 'default', timers(50, 1_000));
    const hold = gate();
    let first: string[] | undefined;
    const t1 = fresh.store.db.transaction().execute(async (trx) => {
      first = (await claimDueTimers(trx, dialect, 2_000, LEASE, 30)).map((t) => t.key);
      // On PostgreSQL the claim stays uncommitted (rows locked) while the second claimer runs.
      if (dialect === 'postgres') await hold.promise;
    });
    if (dialect === 'sqlite') await t1;
    await waitFor('the first claim', () => first !== undefined);
    const second = (await claimDueTimers(fresh.store.db, dialect, 2_000, LEASE, 30)).map((t) => t.key);
    hold.open();
    await t1;
    expect(first).toHaveLength(30);
    expect(second).toHaveLength(20);
    expect(new Set([...first!, ...second]).size).toBe(50);
    expect(await claimDueTimers(fresh.store.db, dialect, 3_000, LEASE, 100)).toEqual([]);
  });

  it('a timer whose lease ran out (its claimer died) is claimable again, and fires once', async () => {
    await scheduleTimers(fresh.store.db, 'default', timers(3, 1_000));
    expect(await claimDueTimers(fresh.store.db, dialect, 500, LEASE, 10)).toEqual([]);
    expect(await claimDueTimers(fresh.store.db, dialect, 2_000, LEASE, 10)).toHaveLength(3);
    expect(await claimDueTimers(fresh.store.db, dialect, 2_000 + LEASE - 1, LEASE, 10)).toHaveLength(0);
    const again = await claimDueTimers(fresh.store.db, dialect, 2_000 + LEASE + 1, LEASE, 10);
    expect(again.map((t) => t.callId).sort()).toEqual(['t0', 't1', 't2']);
    const taken = await Promise.all([
      takeTimer(fresh.store.db, again[0]!.key),
      takeTimer(fresh.store.db, again[0]!.key),
    ]);
    expect(taken.sort()).toEqual([false, true]);
  });

  it('actions: new ones are leased to their creator, then two claimers split the rest without overlap', async () => {
    const created = await insertActions(fresh.store.db, 'default', 'call-x', redirects(40), 1_000, LEASE);
    expect(created).toHaveLength(40);
    expect(await insertActions(fresh.store.db, 'default', 'call-x', redirects(1), 1_000, LEASE)).toEqual([]);
    expect(await claimDueActions(fresh.store.db, dialect, 2_000, LEASE, 100)).toEqual([]);

    const after = 1_000 + LEASE + 1;
    const hold = gate();
    let first: number[] | undefined;
    const t1 = fresh.store.db.transaction().execute(async (trx) => {
      first = (await claimDueActions(trx, dialect, after, LEASE, 25)).map((a) => a.id);
      if (dialect === 'postgres') await hold.promise;
    });
    if (dialect === 'sqlite') await t1;
    await waitFor('the first claim', () => first !== undefined);
    const second = (await claimDueActions(fresh.store.db, dialect, after, LEASE, 25)).map((a) => a.id);
    hold.open();
    await t1;
    expect(first).toHaveLength(25);
    expect(second).toHaveLength(15);
    expect(new Set([...first!, ...second]).size).toBe(40);
  });

  it('a retry is claimable at its next attempt, a finished action never again', async () => {
    const [a, b] = await insertActions(fresh.store.db, 'default', 'call-y', redirects(2), 1_000, LEASE);
    const base = { startedAt: 1_100, durationMs: 5, statusCode: 503, error: 'busy', attempted: true };
    await recordAttempt(fresh.store.db, { ...base, actionId: a!.id, outcome: 'retry', nextAttemptAt: 5_000 }, 1_100);
    await recordAttempt(
      fresh.store.db,
      { ...base, actionId: b!.id, outcome: 'ok', statusCode: 200, error: null, nextAttemptAt: null },
      1_100,
    );
    expect(await claimDueActions(fresh.store.db, dialect, 4_999, LEASE, 10)).toEqual([]);
    const due = await claimDueActions(fresh.store.db, dialect, 5_000, LEASE, 10);
    expect(due.map((x) => [x.id, x.attempts])).toEqual([[a!.id, 1]]);
    expect(await claimDueActions(fresh.store.db, dialect, 5_000 + LEASE + 1, LEASE, 10)).toHaveLength(1);
  });

  it("every try is in the action's history: failures as rows, the success kept on the action, a late one as a row", async () => {
    const db = fresh.store.db;
    const [a, b] = await insertActions(db, 'default', 'call-h', redirects(2), 1_000, LEASE);
    const tried = { statusCode: null, attempted: true, nextAttemptAt: null };
    await recordAttempt(
      db,
      {
        ...tried,
        actionId: a!.id,
        startedAt: 1_100,
        durationMs: 7,
        outcome: 'retry',
        statusCode: 503,
        error: 'busy',
        nextAttemptAt: 2_000,
      },
      1_107,
    );
    await recordAttempt(
      db,
      { ...tried, actionId: a!.id, startedAt: 2_000, durationMs: 4, outcome: 'ok', error: null },
      2_004,
    );
    // b was taken over and settled as in doubt; the first dispatcher's success comes in after.
    await recordAttempt(db, { ...inDoubt, actionId: b!.id, startedAt: 1_100 }, 40_000);
    await recordAttempt(
      db,
      { ...tried, actionId: b!.id, startedAt: 1_100, durationMs: 9, outcome: 'ok', error: null },
      40_001,
    );
    const rows = await db.selectFrom('action_attempts').select(['action_id', 'outcome']).orderBy('id').execute();
    expect(rows.map((r) => [r.action_id, r.outcome])).toEqual([
      [a!.id, 'retry'],
      [b!.id, 'failed'],
      [b!.id, 'ok'],
    ]);
    const actions = await listActionsForCall(db, 'default', 'call-h');
    const history = await listAttempts(db, actions);
    expect(history.filter((t) => t.actionId === a!.id).map((t) => [t.startedAt, t.durationMs, t.outcome])).toEqual([
      [1_100, 7, 'retry'],
      [2_000, 4, 'ok'],
    ]);
    expect(history.filter((t) => t.actionId === b!.id).map((t) => t.outcome)).toEqual(['failed', 'ok']);
    expect(actions.map((x) => x.status)).toEqual(['done', 'failed']);
  });

  it('only the lease holder starts an attempt; one started and unrecorded is seen by whoever takes it over', async () => {
    const [a] = await insertActions(fresh.store.db, 'default', 'call-z', redirects(1), 1_000, LEASE);
    expect(a!.claimedUntil).toBe(1_000 + LEASE);
    expect(a!.sendingSince).toBeNull();
    expect(await startSending(fresh.store.db, a!.id, 999, 1_500, LEASE)).toBe(false);
    expect(await startSending(fresh.store.db, a!.id, a!.claimedUntil!, 1_500, LEASE)).toBe(true);
    // The lease runs from the start of the attempt, and its renewal keeps others off it.
    expect(await claimDueActions(fresh.store.db, dialect, 1_000 + LEASE + 1, LEASE, 10)).toEqual([]);
    expect(await extendLease(fresh.store.db, a!.id, 1_500, 20_000, LEASE)).toBe(true);
    expect(await claimDueActions(fresh.store.db, dialect, 1_500 + LEASE + 1, LEASE, 10)).toEqual([]);

    // Its dispatcher dies: the next claimer learns the attempt was on the wire.
    const [taken] = await claimDueActions(fresh.store.db, dialect, 20_000 + LEASE + 1, LEASE, 10);
    expect(taken).toMatchObject({ id: a!.id, sendingSince: 1_500, claimedUntil: 20_000 + 2 * LEASE + 1 });
    // The dead one's claim is no longer the lease: it could not start another attempt.
    expect(await startSending(fresh.store.db, a!.id, a!.claimedUntil!, 20_000 + LEASE + 2, LEASE)).toBe(false);
    await recordAttempt(fresh.store.db, { ...inDoubt, actionId: a!.id, startedAt: 1_500 }, 20_000 + LEASE + 2);
    expect(await extendLease(fresh.store.db, a!.id, 1_500, 20_000 + LEASE + 3, LEASE)).toBe(false);
    const row = await fresh.store.db
      .selectFrom('actions')
      .selectAll()
      .where('id', '=', a!.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', sending_since: null, claimed_until: null, last_error: 'in doubt' });
  });

  it('a new action is on the wire from its commit, except a text without a gateway connection held for it', async () => {
    const db = fresh.store.db;
    const reject = {
      kind: 'rejectCall' as const,
      key: 'reject:default:call-m',
      expiresAt: 1_000_000,
      payload: { chatId: '15550000000@c.us', callId: 'call-m' },
    };
    const waiting = await insertActions(db, 'default', 'call-m', [reject, ...redirects(1)], 1_000, LEASE);
    const texts = redirects(3).slice(1);
    const held = await insertActions(db, 'default', 'call-n', texts, 2_000, LEASE, true);
    const marks = (actions: typeof waiting) =>
      actions.map((a) => [a.kind, a.sendingSince, a.markedByCommit ?? false, a.connectionHeld ?? false]);
    // The reject is retried when in doubt, so it is always marked; of the texts, only one has the connection.
    expect(marks(waiting)).toEqual([
      ['rejectCall', 1_000, true, false],
      ['sendRedirect', null, false, false],
    ]);
    expect(marks(held)).toEqual([
      ['sendRedirect', 2_000, true, true],
      ['sendRedirect', null, false, false],
    ]);
    const stored = await db.selectFrom('actions').select(['key', 'sending_since']).orderBy('id').execute();
    expect(stored.map((r) => r.sending_since)).toEqual([1_000, null, 2_000, null]);
    // Its process dies: whoever claims it next finds the text in doubt, and the lease kept others off it until then.
    expect(await claimDueActions(db, dialect, 2_000 + LEASE, LEASE, 10)).toHaveLength(2);
    const taken = await claimDueActions(db, dialect, 2_000 + LEASE + 1, LEASE, 10);
    expect(taken.sort((x, y) => x.id - y.id).map((a) => [a.id, a.sendingSince, a.markedByCommit])).toEqual([
      [held[0]!.id, 2_000, undefined],
      [held[1]!.id, null, undefined],
    ]);
  });
});

const inDoubt = {
  durationMs: 0,
  outcome: 'failed' as const,
  statusCode: null,
  error: 'in doubt',
  nextAttemptAt: null,
  attempted: true,
};
