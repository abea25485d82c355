import type { Kysely } from 'kysely';
import { precompiled } from './precompiled.js';
import type { Database } from './schema.js';

// Read for every new ring and every message: compiled once.
const selectOptOut = precompiled<{ at: number }>((db, p) =>
  db.selectFrom('optouts').select('at').where('session', '=', p(0)).where('caller', '=', p(1)),
);

export async function findOptOut(
  db: Kysely<Database>,
  session: string,
  caller: string,
): Promise<{ at: number } | null> {
  const row = (await selectOptOut(db, session, caller)).rows[0];
  return row ? { at: Number(row.at) } : null;
}

/** Applies a decision's opt-out change. */
export async function saveOptOut(
  db: Kysely<Database>,
  session: string,
  caller: string,
  change: { at: number } | 'clear',
): Promise<void> {
  if (change === 'clear') {
    await removeOptOut(db, session, caller);
    return;
  }
  await db
    .insertInto('optouts')
    .values({ session, caller, at: change.at })
    .onConflict((oc) => oc.columns(['session', 'caller']).doNothing())
    .execute();
}

/** False when the caller had not opted out. */
export async function removeOptOut(db: Kysely<Database>, session: string, caller: string): Promise<boolean> {
  const res = await db
    .deleteFrom('optouts')
    .where('session', '=', session)
    .where('caller', '=', caller)
    .executeTakeFirst();
  return res.numDeletedRows > 0n;
}

export interface OptOut {
  caller: string;
  at: number;
}

/** A session's opt-outs, newest first; `before` is the previous page's last `at`/`caller`. */
export async function listOptOuts(
  db: Kysely<Database>,
  session: string,
  limit: number,
  before?: { at: number; caller: string },
): Promise<OptOut[]> {
  let q = db.selectFrom('optouts').select(['caller', 'at']).where('session', '=', session);
  if (before)
    q = q.where((eb) =>
      eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('caller', '<', before.caller)])]),
    );
  const rows = await q.orderBy('at', 'desc').orderBy('caller', 'desc').limit(limit).execute();
  return rows.map((r) => ({ caller: r.caller, at: Number(r.at) }));
}
