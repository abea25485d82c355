import type { Kysely } from 'kysely';
import { precompiled } from './precompiled.js';
import type { Database } from './schema.js';

/** What deciding a person's new ring reads besides the call and the caller. */
export interface RingFacts {
  /** Their calls received since the frustration window began. */
  recentCalls: number;
  /** A VIP added at run time (the config's live in the settings), with the name given, if any. */
  vip: { name: string | null } | null;
  optedOut: { at: number } | null;
}

// One statement for three tables: each costs the writer as much to run alone as SQLite takes to answer.
const selectRingFacts = precompiled<{
  recent: number | string;
  vip: number | boolean;
  vip_name: string | null;
  opted_at: number | string | null;
}>((db, p) =>
  db.selectNoFrom((eb) => [
    eb
      .selectFrom('calls')
      .select(eb.fn.countAll().as('n'))
      .where('session', '=', p(0))
      .where('caller', '=', p(1))
      .where('received_at', '>=', p(2))
      .as('recent'),
    eb.exists(eb.selectFrom('vips').select('caller').where('session', '=', p(0)).where('caller', '=', p(1))).as('vip'),
    eb.selectFrom('vips').select('name').where('session', '=', p(0)).where('caller', '=', p(1)).as('vip_name'),
    eb.selectFrom('optouts').select('at').where('session', '=', p(0)).where('caller', '=', p(1)).as('opted_at'),
  ]),
);

export async function findRingFacts(
  db: Kysely<Database>,
  session: string,
  caller: string,
  since: number,
): Promise<RingFacts> {
  const row = (await selectRingFacts(db, session, caller, since)).rows[0]!;
  return {
    recentCalls: Number(row.recent),
    vip: row.vip ? { name: row.vip_name } : null,
    optedOut: row.opted_at === null ? null : { at: Number(row.opted_at) },
  };
}
