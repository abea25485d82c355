import type { Kysely } from 'kysely';
import { callerKey } from './callers.js';
import type { Database } from './schema.js';

/** Which of these callers were made VIPs at run time, as `callerKey`s. */
export async function findVipsAmong(
  db: Kysely<Database>,
  callers: Array<{ session: string; caller: string }>,
): Promise<Set<string>> {
  if (callers.length === 0) return new Set();
  const rows = await db
    .selectFrom('vips')
    .select(['session', 'caller'])
    .where('caller', 'in', [...new Set(callers.map((c) => c.caller))])
    .execute();
  return new Set(rows.map((r) => callerKey(r.session, r.caller)));
}

/** A session's VIPs added through the API, oldest first. */
export async function listVips(
  db: Kysely<Database>,
  session: string,
): Promise<Array<{ caller: string; name: string | null }>> {
  return db
    .selectFrom('vips')
    .select(['caller', 'name'])
    .where('session', '=', session)
    .orderBy('created_at')
    .execute();
}

/** Adds or renames a VIP. */
export async function addVip(
  db: Kysely<Database>,
  session: string,
  caller: string,
  name: string | null,
  now: number,
): Promise<void> {
  await db
    .insertInto('vips')
    .values({ session, caller, name, created_at: now })
    .onConflict((oc) => oc.columns(['session', 'caller']).doUpdateSet({ name }))
    .execute();
}

export async function removeVip(db: Kysely<Database>, session: string, caller: string): Promise<boolean> {
  const res = await db
    .deleteFrom('vips')
    .where('session', '=', session)
    .where('caller', '=', caller)
    .executeTakeFirst();
  return res.numDeletedRows > 0n;
}
