import type { Kysely } from 'kysely';
import type { CallerState } from '../domain/types.js';
import { precompiled } from './precompiled.js';
import type { Database } from './schema.js';

const selectCaller = precompiled<{ last_redirect_at: number | null }>((db, p) =>
  db.selectFrom('callers').select(['last_redirect_at']).where('session', '=', p(0)).where('caller', '=', p(1)),
);

const insertCaller = precompiled<{ session: string }>((db, p) =>
  db
    .insertInto('callers')
    .values({ session: p(0), caller: p(1), last_redirect_at: p(2), updated_at: p(3) })
    .onConflict((oc) => oc.columns(['session', 'caller']).doNothing())
    .returning('session'),
);

export async function findCaller(db: Kysely<Database>, session: string, caller: string): Promise<CallerState | null> {
  const row = (await selectCaller(db, session, caller)).rows[0];
  return row ? { lastRedirectAt: row.last_redirect_at } : null;
}

/**
 * Writes the caller state as decided, only if the stored state is still `expected`.
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
  if (expected === null) {
    const res = await insertCaller(db, session, caller, next.lastRedirectAt, now);
    return res.rows.length > 0;
  }
  const res = await db
    .updateTable('callers')
    .set({ last_redirect_at: next.lastRedirectAt, updated_at: now })
    .where('session', '=', session)
    .where('caller', '=', caller)
    .where((eb) =>
      expected.lastRedirectAt === null ? eb('last_redirect_at', 'is', null) : eb('last_redirect_at', '=', expected.lastRedirectAt),
    )
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}
