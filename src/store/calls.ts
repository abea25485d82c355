import type { Kysely, Selectable } from 'kysely';
import type { Call, CallStatus, RedirectSkipReason } from '../domain/types.js';
import { precompiled } from './precompiled.js';
import type { CallsTable, Database } from './schema.js';

type CallRow = Selectable<CallsTable>;

const toCall = (r: CallRow): Call => ({
  session: r.session,
  callId: r.call_id,
  caller: r.caller,
  isVideo: r.is_video === 1,
  isGroup: r.is_group === 1,
  fromMe: r.from_me === 1,
  status: r.status as CallStatus,
  receivedAt: r.received_at,
  endedAt: r.ended_at,
  redirectSkipped: r.redirect_skipped as RedirectSkipReason | null,
});

const selectCall = precompiled<CallRow>((db, p) =>
  db.selectFrom('calls').selectAll().where('session', '=', p(0)).where('call_id', '=', p(1)),
);

export async function findCall(db: Kysely<Database>, session: string, callId: string): Promise<Call | null> {
  const row = (await selectCall(db, session, callId)).rows[0];
  return row ? toCall(row) : null;
}

const insertCall = precompiled<{ id: number }>((db, p) =>
  db
    .insertInto('calls')
    .values({
      session: p(0),
      call_id: p(1),
      caller: p(2),
      is_video: p(3),
      is_group: p(4),
      from_me: p(5),
      status: p(6),
      received_at: p(7),
      ended_at: p(8),
      redirect_skipped: p(9),
      updated_at: p(10),
    })
    .onConflict((oc) => oc.columns(['session', 'call_id']).doNothing())
    .returning('id'),
);

/**
 * Writes the call as decided, only if its stored status is still `expected` (null: no row yet).
 * Returns the row id, or null when another writer got there first and the decision is stale.
 */
export async function saveCall(db: Kysely<Database>, call: Call, expected: CallStatus | null, now: number): Promise<number | null> {
  const values = {
    caller: call.caller,
    is_video: call.isVideo ? 1 : 0,
    is_group: call.isGroup ? 1 : 0,
    from_me: call.fromMe ? 1 : 0,
    status: call.status,
    received_at: call.receivedAt,
    ended_at: call.endedAt,
    redirect_skipped: call.redirectSkipped,
    updated_at: now,
  };
  const { caller, is_video, is_group, from_me, status, received_at, ended_at, redirect_skipped, updated_at } = values;
  const row =
    expected === null
      ? (
          await insertCall(db, call.session, call.callId, caller, is_video, is_group, from_me, status, received_at, ended_at, redirect_skipped, updated_at)
        ).rows[0]
      : await db
          .updateTable('calls')
          .set(values)
          .where('session', '=', call.session)
          .where('call_id', '=', call.callId)
          .where('status', '=', expected)
          .returning('id')
          .executeTakeFirst();
  return row?.id ?? null;
}

export interface CallFilter {
  session?: string;
  status?: CallStatus;
  caller?: string;
  /** Only calls with an id below this (the cursor of the previous page). */
  before?: number;
  limit: number;
}

export interface CallSummary {
  id: number;
  session: string;
  callId: string;
  caller: string | null;
  isVideo: boolean;
  isGroup: boolean;
  status: CallStatus;
  receivedAt: string;
  endedAt: string | null;
  redirect: { status: string; attempts: number; lastError: string | null };
}

/** The redirect's state as a user reads it: the action's status, or why there was none. */
function redirectOf(r: CallRow & { r_status: string | null; r_attempts: number | null; r_error: string | null }) {
  if (r.r_status) return { status: r.r_status === 'done' ? 'sent' : r.r_status, attempts: r.r_attempts ?? 0, lastError: r.r_error };
  return { status: r.redirect_skipped ? `skipped:${r.redirect_skipped}` : 'none', attempts: 0, lastError: null };
}

function summarise(r: CallRow & { r_status: string | null; r_attempts: number | null; r_error: string | null }): CallSummary {
  return {
    id: r.id,
    session: r.session,
    callId: r.call_id,
    caller: r.caller,
    isVideo: r.is_video === 1,
    isGroup: r.is_group === 1,
    status: r.status as CallStatus,
    receivedAt: new Date(r.received_at).toISOString(),
    endedAt: r.ended_at === null ? null : new Date(r.ended_at).toISOString(),
    redirect: redirectOf(r),
  };
}

function callsWithRedirect(db: Kysely<Database>) {
  return db
    .selectFrom('calls')
    .leftJoin('actions', (j) =>
      j
        .onRef('actions.session', '=', 'calls.session')
        .onRef('actions.call_id', '=', 'calls.call_id')
        .on('actions.kind', '=', 'sendRedirect'),
    )
    .selectAll('calls')
    .select(['actions.status as r_status', 'actions.attempts as r_attempts', 'actions.last_error as r_error']);
}

/** Newest first. */
export async function listCalls(db: Kysely<Database>, f: CallFilter): Promise<CallSummary[]> {
  let q = callsWithRedirect(db);
  if (f.session !== undefined) q = q.where('calls.session', '=', f.session);
  if (f.status !== undefined) q = q.where('calls.status', '=', f.status);
  if (f.caller !== undefined) q = q.where('calls.caller', '=', f.caller);
  if (f.before !== undefined) q = q.where('calls.id', '<', f.before);
  const rows = await q.orderBy('calls.id', 'desc').limit(f.limit).execute();
  return rows.map(summarise);
}

export async function getCallSummary(db: Kysely<Database>, id: number): Promise<CallSummary | null> {
  const row = await callsWithRedirect(db).where('calls.id', '=', id).executeTakeFirst();
  return row ? summarise(row) : null;
}

export async function getCallSummaryByCallId(db: Kysely<Database>, session: string, callId: string): Promise<CallSummary | null> {
  const row = await callsWithRedirect(db).where('calls.session', '=', session).where('calls.call_id', '=', callId).executeTakeFirst();
  return row ? summarise(row) : null;
}
