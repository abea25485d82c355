import type { Kysely, Selectable } from 'kysely';
import { isText, type ActionSpec } from '../domain/types.js';
import type { Dialect } from './db.js';
import { precompiled } from './precompiled.js';
import type { ActionsTable, Database } from './schema.js';
import { Write } from './together.js';

export type ActionStatus = 'pending' | 'done' | 'failed' | 'expired';

export interface Action {
  id: number;
  key: string;
  kind: ActionSpec['kind'];
  session: string;
  callId: string | null;
  payload: ActionSpec['payload'];
  status: ActionStatus;
  attempts: number;
  nextAttemptAt: number;
  expiresAt: number | null;
  /** The lease as claimed: only its holder may start an attempt (see `startSending`). */
  claimedUntil?: number | null;
  /** When an attempt started that has no recorded outcome: its dispatcher stopped while it was on the wire. */
  sendingSince?: number | null;
  /**
   * Marked as on the wire by the commit that created it, for the process that made that commit:
   * it is sent without a mark of its own, and it is not in doubt. Never stored, never claimed.
   */
  markedByCommit?: true;
  /** Marked so because a connection of its gateway's pool was held for it (a text): it takes that one. */
  connectionHeld?: true;
}

const toAction = (r: Selectable<ActionsTable>): Action => ({
  id: r.id,
  key: r.key,
  kind: r.kind as Action['kind'],
  session: r.session,
  callId: r.call_id,
  payload: JSON.parse(r.payload) as Action['payload'],
  status: r.status as ActionStatus,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  expiresAt: r.expires_at,
  claimedUntil: r.claimed_until,
  sendingSince: r.sending_since,
});

const insertAction = precompiled<{ id: number }>((db, p) =>
  db
    .insertInto('actions')
    .values({
      key: p(0),
      kind: p(1),
      session: p(2),
      call_id: p(3),
      payload: p(4),
      status: 'pending',
      attempts: 0,
      next_attempt_at: p(5),
      expires_at: p(6),
      claimed_until: p(7),
      sending_since: p(8),
      last_error: null,
      created_at: p(5),
      updated_at: p(5),
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('id'),
);

/**
 * The writes of new actions, leased to the caller (it dispatches them right after commit). Each
 * reads as the action, or null when one with its key exists already: a decision made twice acts once.
 *
 * Each is marked as on the wire from this commit (the mark `startSending` would make before the
 * attempt, one commit and one round trip later) unless it is a text that may have to wait for a
 * gateway connection: a text marked and still queued when the process dies is in doubt, and never
 * sent. `connectionHeld` says a gateway connection is held for this decision's (first) text.
 */
export function actionWrites(
  db: Kysely<Database>,
  session: string,
  callId: string | null,
  specs: ActionSpec[],
  now: number,
  lease: number,
  connectionHeld = false,
): Array<Write<Action | null>> {
  let held = connectionHeld;
  const claimedUntil = now + lease;
  return specs.map((s) => {
    const text = isText(s.kind);
    const takesHeld = text && held;
    if (text) held = false;
    const marked = !text || takesHeld;
    const sendingSince = marked ? now : null;
    const query = insertAction.bind(
      db,
      s.key,
      s.kind,
      session,
      callId,
      JSON.stringify(s.payload),
      now,
      s.expiresAt,
      claimedUntil,
      sendingSince,
    );
    // Built from what is in hand: the stored row says nothing more, and parsing its payload back costs.
    return new Write(query, (rows): Action | null => {
      const row = rows[0] as { id: number } | undefined;
      if (!row) return null;
      return {
        id: row.id,
        key: s.key,
        kind: s.kind,
        session,
        callId,
        payload: s.payload,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        expiresAt: s.expiresAt,
        claimedUntil,
        sendingSince,
        ...(marked ? { markedByCommit: true as const } : {}),
        ...(takesHeld ? { connectionHeld: true as const } : {}),
      };
    });
  });
}

/**
 * Leases due pending actions (new ones whose creator died, and retries) to this process. One whose
 * `sendingSince` is set was on the wire when its dispatcher died: the dispatcher decides what to do.
 */
export async function claimDueActions(
  db: Kysely<Database>,
  dialect: Dialect,
  now: number,
  lease: number,
  limit: number,
): Promise<Action[]> {
  let due = db
    .selectFrom('actions')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
    .orderBy('next_attempt_at')
    .limit(limit);
  if (dialect === 'postgres') due = due.forUpdate().skipLocked();
  const rows = await db
    .updateTable('actions')
    .set({ claimed_until: now + lease })
    .where('id', 'in', due)
    .returningAll()
    .execute();
  return rows.map(toAction);
}

/**
 * Marks an attempt as on the wire, durably, before it is made, and leases the action afresh from
 * then. Only the holder of the lease as claimed can: false means another dispatcher took the action
 * over (this one waited past its lease) and it must not be sent from here.
 */
export async function startSending(
  db: Kysely<Database>,
  id: number,
  claimedUntil: number,
  now: number,
  lease: number,
): Promise<boolean> {
  const res = await db
    .updateTable('actions')
    .set({ sending_since: now, claimed_until: now + lease })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('claimed_until', '=', claimedUntil)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/**
 * Extends the lease of an attempt still on the wire, so a slow send is not taken over by another
 * dispatcher. The attempt's start is the fence: false once it has an outcome or was taken over.
 */
export async function extendLease(
  db: Kysely<Database>,
  id: number,
  sendingSince: number,
  now: number,
  lease: number,
): Promise<boolean> {
  const res = await db
    .updateTable('actions')
    .set({ claimed_until: now + lease })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('sending_since', '=', sendingSince)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export interface AttemptResult {
  actionId: number;
  startedAt: number;
  durationMs: number;
  outcome: 'ok' | 'retry' | 'failed' | 'expired';
  statusCode: number | null;
  error: string | null;
  /** For a retry: when to try again. */
  nextAttemptAt: number | null;
  /** False when the action was never tried (it had expired before its turn). */
  attempted: boolean;
  /** A text the gateway accepted: as the caller got it, and the name it greeted them with. */
  sent?: { text: string; name: string | null };
}

const statusAfter: Record<AttemptResult['outcome'], ActionStatus> = {
  ok: 'done',
  retry: 'pending',
  failed: 'failed',
  expired: 'expired',
};

const updateAfterAttempt = precompiled((db, p) =>
  db
    .updateTable('actions')
    .set((eb) => ({
      status: p(0),
      attempts: eb('attempts', '+', p(1)),
      next_attempt_at: eb.fn.coalesce(eb.val(p(2)), eb.ref('next_attempt_at')),
      claimed_until: null,
      sending_since: null,
      last_error: p(3),
      updated_at: p(4),
      sent_text: eb.fn.coalesce(eb.val(p(6)), eb.ref('sent_text')),
      done_started_at: p(7),
      done_duration_ms: p(8),
    }))
    .where('id', '=', p(5))
    .where('status', '=', 'pending'),
);

const insertAttempt = precompiled((db, p) =>
  db
    .insertInto('action_attempts')
    .values({ action_id: p(0), started_at: p(1), duration_ms: p(2), outcome: p(3), status_code: p(4), error: p(5) }),
);

/**
 * Settles the action with an attempt's outcome. A try that succeeded is kept on the action itself
 * (`done_started_at`); every other try, and any that comes after the action was settled (by a
 * dispatcher that took it over), is a row of `action_attempts`.
 */
export async function recordAttempt(db: Kysely<Database>, a: AttemptResult, now: number): Promise<void> {
  const done = a.outcome === 'ok';
  const res = await updateAfterAttempt(
    db,
    statusAfter[a.outcome],
    a.attempted ? 1 : 0,
    a.nextAttemptAt,
    a.error,
    now,
    a.actionId,
    a.sent?.text ?? null,
    done ? a.startedAt : null,
    done ? a.durationMs : null,
  );
  if (done && Number(res.numAffectedRows ?? 0) === 1) return;
  await insertAttempt(db, a.actionId, a.startedAt, a.durationMs, a.outcome, a.statusCode, a.error);
}

/** An action as stored, for the call's detail: with when it was decided and the last failure. */
export interface ActionRecord extends Action {
  createdAt: number;
  lastError: string | null;
  sentText: string | null;
  /** The try that succeeded, when it is kept on the action. */
  done: { startedAt: number; durationMs: number } | null;
}

/** One try at an action. */
export interface AttemptRecord {
  actionId: number;
  startedAt: number;
  durationMs: number;
  outcome: AttemptResult['outcome'];
  statusCode: number | null;
  error: string | null;
}

/** A call's actions, in the order they were decided. */
export async function listActionsForCall(
  db: Kysely<Database>,
  session: string,
  callId: string,
): Promise<ActionRecord[]> {
  const rows = await db
    .selectFrom('actions')
    .selectAll()
    .where('session', '=', session)
    .where('call_id', '=', callId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    ...toAction(r),
    createdAt: r.created_at,
    lastError: r.last_error,
    sentText: r.sent_text,
    done:
      r.done_started_at === null ? null : { startedAt: Number(r.done_started_at), durationMs: r.done_duration_ms ?? 0 },
  }));
}

/** Every try at these actions, oldest first: the rows of `action_attempts`, and each one's success kept on it. */
export async function listAttempts(db: Kysely<Database>, actions: ActionRecord[]): Promise<AttemptRecord[]> {
  if (actions.length === 0) return [];
  const rows = await db
    .selectFrom('action_attempts')
    .selectAll()
    .where(
      'action_id',
      'in',
      actions.map((a) => a.id),
    )
    .orderBy('id')
    .execute();
  const tries: AttemptRecord[] = rows.map((t) => ({
    actionId: t.action_id,
    startedAt: t.started_at,
    durationMs: t.duration_ms,
    outcome: t.outcome as AttemptRecord['outcome'],
    statusCode: t.status_code,
    error: t.error,
  }));
  for (const a of actions)
    if (a.done) tries.push({ actionId: a.id, ...a.done, outcome: 'ok', statusCode: null, error: null });
  return tries.sort((x, y) => x.startedAt - y.startedAt);
}

export async function countPendingActions(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('actions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
