import { sql, type Kysely, type Selectable } from 'kysely';
import type { Call, CallStatus, FrustrationLevel, RedirectSkipReason } from '../domain/types.js';
import type { ActionStatus } from './actions.js';
import { distinctSessions } from './distinctSessions.js';
import { precompiled, type Param } from './precompiled.js';
import type { CallsTable, Database } from './schema.js';
import { Write } from './together.js';

type CallRow = Selectable<CallsTable>;

/** A stored call as the domain sees it. */
export const toCall = (r: CallRow): Call => ({
  session: r.session,
  callId: r.call_id,
  caller: r.caller,
  isVideo: r.is_video === 1,
  isGroup: r.is_group === 1,
  fromMe: r.from_me === 1,
  isVip: r.is_vip === 1,
  status: r.status as CallStatus,
  level: r.level as FrustrationLevel | null,
  receivedAt: r.received_at,
  endedAt: r.ended_at,
  redirectSkipped: r.redirect_skipped as RedirectSkipReason | null,
  redirectedAt: r.redirected_at,
  convertedAt: r.converted_at,
  name: r.name,
  closed: r.closed === 1,
  language: r.language,
  template: r.template,
  variant: r.variant_id !== null ? { index: r.variant_index ?? 0, id: r.variant_id } : null,
  reply: r.reply,
});

const selectCall = precompiled<CallRow>((db, p) =>
  db.selectFrom('calls').selectAll().where('session', '=', p(0)).where('call_id', '=', p(1)),
);

export async function findCall(db: Kysely<Database>, session: string, callId: string): Promise<Call | null> {
  const row = (await selectCall(db, session, callId)).rows[0];
  return row ? toCall(row) : null;
}

/** The columns a decision writes, as parameters from `at` on, in the order `saveCall` passes them. */
const decidedColumns = (p: Param, at: number) => ({
  caller: p(at),
  is_video: p(at + 1),
  is_group: p(at + 2),
  from_me: p(at + 3),
  is_vip: p(at + 4),
  status: p(at + 5),
  level: p(at + 6),
  received_at: p(at + 7),
  ended_at: p(at + 8),
  redirect_skipped: p(at + 9),
  redirected_at: p(at + 10),
  converted_at: p(at + 11),
  name: p(at + 12),
  closed: p(at + 13),
  language: p(at + 14),
  template: p(at + 15),
  variant_index: p(at + 16),
  variant_id: p(at + 17),
  reply: p(at + 18),
  updated_at: p(at + 19),
});

const insertCall = precompiled<{ id: number }>((db, p) =>
  db
    .insertInto('calls')
    .values({ session: p(0), call_id: p(1), ...decidedColumns(p, 2) })
    .onConflict((oc) => oc.columns(['session', 'call_id']).doNothing())
    .returning('id'),
);

const updateCall = precompiled<{ id: number }>((db, p) =>
  db
    .updateTable('calls')
    .set(decidedColumns(p, 3))
    .where('session', '=', p(0))
    .where('call_id', '=', p(1))
    .where('status', '=', p(2))
    .returning('id'),
);

/**
 * The write of the call as decided, which writes only if its stored status is still `expected`
 * (null: no row yet). It reads as the row id, or null when another writer got there first and the
 * decision is stale.
 */
export function callWrite(
  db: Kysely<Database>,
  call: Call,
  expected: CallStatus | null,
  now: number,
): Write<number | null> {
  const values = [
    call.caller,
    call.isVideo ? 1 : 0,
    call.isGroup ? 1 : 0,
    call.fromMe ? 1 : 0,
    call.isVip ? 1 : 0,
    call.status,
    call.level,
    call.receivedAt,
    call.endedAt,
    call.redirectSkipped,
    call.redirectedAt,
    call.convertedAt,
    call.name,
    call.closed ? 1 : 0,
    call.language,
    call.template,
    call.variant?.index ?? null,
    call.variant?.id ?? null,
    call.reply,
    now,
  ];
  const query =
    expected === null
      ? insertCall.bind(db, call.session, call.callId, ...values)
      : updateCall.bind(db, call.session, call.callId, expected, ...values);
  return new Write(query, (rows) => (rows[0] as { id: number } | undefined)?.id ?? null);
}

export interface CallFilter {
  session?: string;
  status?: CallStatus;
  caller?: string;
  /** Part of the caller's name, in any case. */
  name?: string;
  /** Only calls with an id below this (the cursor of the previous page). */
  before?: number;
  limit: number;
}

/** The outbox's redirect action of a call: how far its delivery got. */
export interface RedirectAction {
  status: ActionStatus;
  attempts: number;
  lastError: string | null;
  /** The text the gateway accepted, once it has. */
  sentText: string | null;
}

/** A stored call: its row id (the API's id and page cursor), and its redirect action when one was decided. */
export interface StoredCall extends Call {
  id: number;
  redirectAction: RedirectAction | null;
}

type CallWithRedirectRow = CallRow & {
  r_status: string | null;
  r_attempts: number | null;
  r_error: string | null;
  r_text: string | null;
};

const toStoredCall = (r: CallWithRedirectRow): StoredCall => ({
  id: r.id,
  ...toCall(r),
  redirectAction:
    r.r_status === null
      ? null
      : { status: r.r_status as ActionStatus, attempts: r.r_attempts ?? 0, lastError: r.r_error, sentText: r.r_text },
});

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
    .select([
      'actions.status as r_status',
      'actions.attempts as r_attempts',
      'actions.last_error as r_error',
      'actions.sent_text as r_text',
    ]);
}

/**
 * The ids of a caller's calls, found through `calls_by_caller` (session, caller, ...). Given the
 * caller as a plain filter, SQLite prefers to walk the session's calls in id order (which the page
 * is sorted by) until it has found them: 100-800 ms at 1.4M stored calls, on the HTTP thread, for
 * every "all calls from" link and caller's detail. Without a session, each session is sought in turn.
 */
function callsOfCaller(caller: string, session: string | undefined) {
  const sessions = session !== undefined ? sql`(${session})` : distinctSessions('calls');
  return sql<number>`(select id from calls where caller = ${caller} and session in ${sessions})`;
}

/** Newest first. */
export async function listCalls(db: Kysely<Database>, f: CallFilter): Promise<StoredCall[]> {
  let q = callsWithRedirect(db);
  if (f.session !== undefined) q = q.where('calls.session', '=', f.session);
  if (f.status !== undefined) q = q.where('calls.status', '=', f.status);
  if (f.caller !== undefined) q = q.where('calls.id', 'in', callsOfCaller(f.caller, f.session));
  if (f.name !== undefined) {
    // Walks the calls newest first until a page matches: no index serves a substring.
    const pattern = `%${f.name.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where(sql<boolean>`lower(calls.name) like ${pattern} escape '\\'`);
  }
  if (f.before !== undefined) q = q.where('calls.id', '<', f.before);
  const rows = await q.orderBy('calls.id', 'desc').limit(f.limit).execute();
  return rows.map(toStoredCall);
}

export async function findCallById(db: Kysely<Database>, id: number): Promise<StoredCall | null> {
  const row = await callsWithRedirect(db).where('calls.id', '=', id).executeTakeFirst();
  return row ? toStoredCall(row) : null;
}

/** A call that converted: the caller wrote after its redirect. */
export interface ConvertedCall {
  id: number;
  callId: string;
  receivedAt: number;
  redirectedAt: number | null;
  convertedAt: number;
}

/** A caller's calls that converted, newest first. */
export async function listConversions(
  db: Kysely<Database>,
  session: string,
  caller: string,
  limit = 50,
): Promise<ConvertedCall[]> {
  const rows = await db
    .selectFrom('calls')
    .select(['id', 'call_id', 'received_at', 'redirected_at', 'converted_at'])
    .where('id', 'in', callsOfCaller(caller, session))
    .where('converted_at', 'is not', null)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    callId: r.call_id,
    receivedAt: r.received_at,
    redirectedAt: r.redirected_at,
    // Selected where not null.
    convertedAt: r.converted_at!,
  }));
}

/** Several calls in one query (the live feed reads a page of changes at once). */
export async function findCallsByCallIds(
  db: Kysely<Database>,
  calls: Array<{ session: string; callId: string }>,
): Promise<StoredCall[]> {
  if (calls.length === 0) return [];
  const rows = await callsWithRedirect(db)
    .where((eb) =>
      eb(
        eb.refTuple('calls.session', 'calls.call_id'),
        'in',
        calls.map((c) => eb.tuple(c.session, c.callId)),
      ),
    )
    .execute();
  return rows.map(toStoredCall);
}
