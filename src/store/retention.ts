import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** What history is kept for how long: rows still in use (a ringing call, a pending action) never go. */
const TABLES = {
  events: { time: 'received_at', keep: sql`true` },
  calls: { time: 'received_at', keep: sql`status <> 'ringing'` },
  actions: { time: 'created_at', keep: sql`status <> 'pending'` },
  action_attempts: { time: 'started_at', keep: sql`true` },
  // Open items stay whatever their age: someone still owes the caller an answer.
  work_items: { time: 'opened_at', keep: sql`done_at is not null` },
  // The live feed's changes: kept for as long as a stream client may resume (FEED_KEEP).
  feed: { time: 'created_at', keep: sql`true` },
} as const;

export type HistoryTable = keyof typeof TABLES;
/** What `retention.keep` applies to. */
export const HISTORY_TABLES: HistoryTable[] = ['events', 'calls', 'actions', 'action_attempts', 'work_items'];

/**
 * Deletes up to `limit` of the oldest rows of `table` older than `before` (epoch ms); returns how
 * many went. Rows are appended in time order, so the oldest row says whether there is anything to
 * do: a table with nothing old costs one lookup, not a scan. (An old row still in use, which lives
 * minutes, not days, makes the search walk past it.)
 */
export async function pruneOldest(
  db: Kysely<Database>,
  table: HistoryTable,
  before: number,
  limit: number,
): Promise<number> {
  const { time, keep } = TABLES[table];
  const t = sql.table(table);
  const oldest = await sql<{ at: number }>`select ${sql.ref(time)} as at from ${t} order by id limit 1`.execute(db);
  const at = oldest.rows[0]?.at;
  if (at === undefined || Number(at) >= before) return 0;
  const oldRows = sql`select id from ${t} where ${sql.ref(time)} < ${before} and ${keep} order by id limit ${limit}`;
  // An item's list of calls goes with it.
  if (table === 'work_items') await sql`delete from work_item_calls where item_id in (${oldRows})`.execute(db);
  const res = await sql`delete from ${t} where id in (${oldRows})`.execute(db);
  return Number(res.numAffectedRows ?? 0);
}
