import type { Kysely, Selectable } from 'kysely';
import type { CallerState } from '../domain/types.js';
import type { CallersTable, Database } from './schema.js';

const toState = (r: Selectable<CallersTable>): CallerState => ({
  version: r.version,
  lastCallAt: r.last_call_at,
  lastRedirectAt: r.last_redirect_at,
  lastRedirectedCallId: r.last_redirected_call_id,
  stressedAt: r.stressed_at,
  escalateUntil: r.escalate_until,
  welcomedAt: r.welcomed_at,
});

export async function findCaller(db: Kysely<Database>, session: string, caller: string): Promise<CallerState | null> {
  const row = await db.selectFrom('callers').selectAll().where('session', '=', session).where('caller', '=', caller).executeTakeFirst();
  return row ? toState(row) : null;
}

/**
 * Writes the caller state as decided, only if the stored version is still the one decided on.
 * This compare-and-set is what makes the debounce hold across replicas: of two concurrent
 * decisions to redirect one caller, exactly one finds the state it decided on.
 */
export async function saveCaller(
  db: Kysely<Database>,
  session: string,
  caller: string,
  next: CallerState,
  expected: CallerState | null,
  now: number,
): Promise<boolean> {
  const values = {
    last_call_at: next.lastCallAt,
    last_redirect_at: next.lastRedirectAt,
    last_redirected_call_id: next.lastRedirectedCallId,
    stressed_at: next.stressedAt,
    escalate_until: next.escalateUntil,
    welcomed_at: next.welcomedAt,
    updated_at: now,
  };
  if (expected === null) {
    const row = await db
      .insertInto('callers')
      .values({ session, caller, version: 1, ...values })
      .onConflict((oc) => oc.columns(['session', 'caller']).doNothing())
      .returning('version')
      .executeTakeFirst();
    return row !== undefined;
  }
  const res = await db
    .updateTable('callers')
    .set({ ...values, version: expected.version + 1 })
    .where('session', '=', session)
    .where('caller', '=', caller)
    .where('version', '=', expected.version)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/** Calls from this caller on this session that came in at or after `since`. */
export async function countCallsSince(db: Kysely<Database>, session: string, caller: string, since: number): Promise<number> {
  const row = await db
    .selectFrom('calls')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('session', '=', session)
    .where('caller', '=', caller)
    .where('received_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface CallerRow extends CallerState {
  session: string;
  caller: string;
}

export async function listCallerRows(db: Kysely<Database>, f: { session?: string; callers?: string[]; limit: number }): Promise<CallerRow[]> {
  let q = db.selectFrom('callers').selectAll();
  if (f.session !== undefined) q = q.where('session', '=', f.session);
  if (f.callers !== undefined) {
    if (f.callers.length === 0) return [];
    q = q.where('caller', 'in', f.callers);
  }
  const rows = await q.orderBy('last_call_at', 'desc').limit(f.limit).execute();
  return rows.map((r) => ({ session: r.session, caller: r.caller, ...toState(r) }));
}

/** Per caller of one session, the calls at or after `since`; only callers with at least `min`. */
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
