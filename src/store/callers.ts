import { sql, type Kysely, type Selectable } from 'kysely';
import type { CallerState } from '../domain/types.js';
import { distinctSessions } from './distinctSessions.js';
import { precompiled, type Param } from './precompiled.js';
import type { CallersTable, Database } from './schema.js';
import { Write } from './together.js';

/** A stored caller as the domain sees it. */
export const toCallerState = (r: Omit<Selectable<CallersTable>, 'session' | 'caller' | 'updated_at'>): CallerState => ({
  version: r.version,
  lastCallAt: r.last_call_at,
  lastRedirectAt: r.last_redirect_at,
  lastRedirectedCallId: r.last_redirected_call_id,
  stressedAt: r.stressed_at,
  escalateUntil: r.escalate_until,
  welcomedAt: r.welcomed_at,
  name: r.name,
});

// The per-event queries are compiled once (see precompiled.ts); the rest are built as usual.
const selectCaller = precompiled<Selectable<CallersTable>>((db, p) =>
  db.selectFrom('callers').selectAll().where('session', '=', p(0)).where('caller', '=', p(1)),
);

/** The columns a decision writes, as parameters 2 to 8, in the order `saveCaller` passes them. */
const decidedColumns = (p: Param) => ({
  last_call_at: p(2),
  last_redirect_at: p(3),
  last_redirected_call_id: p(4),
  stressed_at: p(5),
  escalate_until: p(6),
  welcomed_at: p(7),
  updated_at: p(8),
});

const insertCaller = precompiled<{ version: number }>((db, p) =>
  db
    .insertInto('callers')
    .values({ session: p(0), caller: p(1), version: 1, ...decidedColumns(p) })
    .onConflict((oc) => oc.columns(['session', 'caller']).doNothing())
    .returning('version'),
);

const updateCaller = precompiled((db, p) =>
  db
    .updateTable('callers')
    .set({ ...decidedColumns(p), version: p(9) })
    .where('session', '=', p(0))
    .where('caller', '=', p(1))
    .where('version', '=', p(10))
    .returning('version'),
);

/** The name a text was delivered with, for the caller's next calls (no decision writes it: no version bump). */
export async function rememberName(db: Kysely<Database>, session: string, caller: string, name: string): Promise<void> {
  await db
    .updateTable('callers')
    .set({ name })
    .where('session', '=', session)
    .where('caller', '=', caller)
    .where((eb) => eb.or([eb('name', 'is', null), eb('name', '<>', name)]))
    .execute();
}

export async function findCaller(db: Kysely<Database>, session: string, caller: string): Promise<CallerState | null> {
  const row = (await selectCaller(db, session, caller)).rows[0];
  return row ? toCallerState(row) : null;
}

/**
 * The write of the caller state as decided, which writes only if the stored version is still the
 * one decided on; it reads as whether it wrote. This compare-and-set is what makes the debounce
 * hold across replicas: of two concurrent decisions to redirect one caller, exactly one finds the
 * state it decided on.
 */
export function callerWrite(
  db: Kysely<Database>,
  session: string,
  caller: string,
  next: CallerState,
  expected: CallerState | null,
  now: number,
): Write<boolean> {
  const values = [
    next.lastCallAt,
    next.lastRedirectAt,
    next.lastRedirectedCallId,
    next.stressedAt,
    next.escalateUntil,
    next.welcomedAt,
    now,
  ];
  const query =
    expected === null
      ? insertCaller.bind(db, session, caller, ...values)
      : updateCaller.bind(db, session, caller, ...values, expected.version + 1, expected.version);
  return new Write(query, (rows) => rows.length > 0);
}

export interface CallerRow extends CallerState {
  session: string;
  caller: string;
}

/** How maps of callers across sessions key them. */
export const callerKey = (session: string, caller: string) => `${session}\u0000${caller}`;

/**
 * Callers of one session who have called, most recent call first: of `only` these, when given, or
 * all but those `except`.
 */
export async function listCallerRows(
  db: Kysely<Database>,
  f: { session: string; only?: string[]; except?: string[]; limit: number },
): Promise<CallerRow[]> {
  let q = db.selectFrom('callers').selectAll().where('session', '=', f.session).where('last_call_at', 'is not', null);
  if (f.only !== undefined) {
    if (f.only.length === 0) return [];
    q = q.where('caller', 'in', f.only);
  }
  if (f.except !== undefined && f.except.length > 0) q = q.where('caller', 'not in', f.except);
  const rows = await q.orderBy('last_call_at', 'desc').limit(f.limit).execute();
  return rows.map((r) => ({ session: r.session, caller: r.caller, ...toCallerState(r) }));
}

/** The sessions that have callers, with their last call: sessions of a `*` entry are known only from here. */
export async function listCallerSessions(
  db: Kysely<Database>,
): Promise<Array<{ session: string; lastCallAt: number | null }>> {
  const { rows } = await sql<{ session: string; last_call_at: number | string | null }>`
    select s.session, (select max(last_call_at) from callers c where c.session = s.session) as last_call_at
    from ${distinctSessions('callers')} as s`.execute(db);
  return rows.map((r) => ({ session: r.session, lastCallAt: r.last_call_at === null ? null : Number(r.last_call_at) }));
}

/**
 * Callers of every session who have called, most recent call first (from `since` on, when given):
 * a page at `offset`. (A contact who only wrote has a callers row too, with no last call.)
 */
export async function listRecentCallers(
  db: Kysely<Database>,
  f: { since?: number; limit: number; offset: number },
): Promise<CallerRow[]> {
  let q = db.selectFrom('callers').selectAll().where('last_call_at', 'is not', null);
  if (f.since !== undefined) q = q.where('last_call_at', '>=', f.since);
  const rows = await q.orderBy('last_call_at', 'desc').limit(f.limit).offset(f.offset).execute();
  return rows.map((r) => ({ session: r.session, caller: r.caller, ...toCallerState(r) }));
}

/**
 * Per caller of one session, the calls at or after `since`; only callers with at least `min`. The
 * window is read through `calls_recent` (session, received_at, caller), not the session's history.
 */
export async function countCallsByCaller(
  db: Kysely<Database>,
  session: string,
  since: number,
  min = 1,
): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('calls')
    .select(['caller', (eb) => eb.fn.countAll<number>().as('n')])
    .where('session', '=', session)
    .where('received_at', '>=', since)
    .where('caller', 'is not', null)
    .groupBy('caller')
    .having((eb) => eb.fn.countAll(), '>=', min)
    .execute();
  return new Map(rows.map((r) => [r.caller!, Number(r.n)]));
}

/**
 * For each of these callers, of any sessions, the calls at or after its own `since`: one grouped
 * query, each caller sought in `calls_by_caller` (session, caller, received_at) from a VALUES list
 * (an OR per caller costs PostgreSQL more to plan than the queries it replaces). Three parameters a
 * caller: a page of hundreds, not tens of thousands. Keyed by `callerKey`; a caller with no call
 * in its window is absent.
 */
export async function countCallsOfCallers(
  db: Kysely<Database>,
  callers: Array<{ session: string; caller: string; since: number }>,
): Promise<Map<string, number>> {
  if (callers.length === 0) return new Map();
  // SQLite cannot name a VALUES list's columns in its alias; both name them column1, column2, ...
  // Untyped, PostgreSQL would take the third for text.
  const windows = sql.join(callers.map((c) => sql`(${c.session}, ${c.caller}, cast(${c.since} as bigint))`));
  const { rows } = await sql<{ session: string; caller: string; n: number }>`
    select w.session, w.caller, count(*) as n
    from (select column1 as session, column2 as caller, column3 as since from (values ${windows}) as v) as w
    join calls on calls.session = w.session and calls.caller = w.caller and calls.received_at >= w.since
    group by w.session, w.caller`.execute(db);
  return new Map(rows.map((r) => [callerKey(r.session, r.caller), Number(r.n)]));
}
