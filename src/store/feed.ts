import { sql, type Kysely } from 'kysely';
import type { Dialect } from './db.js';
import type { Database } from './schema.js';

/** A call, by the key the gateway and the API use. */
export interface CallRef {
  session: string;
  callId: string;
}

/** What the feed announces: a call's change, or a work item's. */
export type FeedRef = (CallRef & { itemId?: undefined }) | { session: string; itemId: number; callId?: undefined };

const feedKey = (r: FeedRef) => (r.itemId === undefined ? `${r.session}\u0000${r.callId}` : `item:${r.itemId}`);

/** Any constant shared by all replicas; with the schema's hash it names the advisory lock that orders feed writes. */
const FEED_LOCK = 473_122_300;

/** The NOTIFY channel of one schema, so deployments sharing a database don't wake each other. */
export const feedChannel = (schema: string) => `callbridge_feed.${schema}`;

/** How far back `Last-Event-ID` can resume: older changes are pruned with the history (retention.ts). */
export const FEED_KEEP = 24 * 60 * 60 * 1000;

/**
 * Appends the changed calls and work items to the feed, as the last writes of a transaction.
 *
 * On PostgreSQL an identity value is taken at insert but becomes visible at commit, so two
 * transactions could commit ids 11 then 10, and a reader that saw 11 would never see 10.
 * The advisory lock, held from here to the commit, makes feed writers commit in id order:
 * whoever sees id N can already see every id below it. It serialises only the tail of each
 * transaction (this insert and the commit, which the NOTIFY queue serialises anyway), and
 * the holder waits for no row lock, so it cannot take part in a deadlock.
 */
export async function appendFeed(
  trx: Kysely<Database>,
  dialect: Dialect,
  changed: FeedRef[],
  now: number,
  channel?: string,
): Promise<void> {
  const unique = new Map(changed.map((c) => [feedKey(c), c]));
  if (unique.size === 0) return;
  if (dialect === 'postgres') {
    // No lock_timeout here: the queue for this lock is other transactions' commits, never a deadlock.
    // Per schema: deployments sharing a database don't queue behind each other.
    await sql`select pg_advisory_xact_lock(${sql.lit(FEED_LOCK)}, hashtext(current_schema()))
      from (select set_config('lock_timeout', '0', true)) as no_timeout`.execute(trx);
  }
  await trx
    .insertInto('feed')
    .values(
      [...unique.values()].map((c) => ({
        session: c.session,
        call_id: c.callId ?? '',
        item_id: c.itemId ?? null,
        created_at: now,
      })),
    )
    .execute();
  // Delivered at commit, to every replica listening.
  if (channel !== undefined) await sql`select pg_notify(${channel}, '')`.execute(trx);
}

export interface FeedPage {
  /** Changes in id order; a call or item that changed several times in the page appears once, at its last id. */
  changes: Array<FeedRef & { id: number }>;
  /** The highest id read: the cursor for the next page. */
  end: number;
  /** True when the page was full and more may follow. */
  more: boolean;
}

export async function readFeed(db: Kysely<Database>, after: number, limit: number): Promise<FeedPage> {
  const rows = await db
    .selectFrom('feed')
    .select(['id', 'session', 'call_id', 'item_id'])
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
  const latest = new Map<string, FeedRef & { id: number }>();
  for (const r of rows) {
    const ref: FeedRef =
      r.item_id === null ? { session: r.session, callId: r.call_id } : { session: r.session, itemId: r.item_id };
    const key = feedKey(ref);
    latest.delete(key);
    latest.set(key, { id: r.id, ...ref });
  }
  return { changes: [...latest.values()], end: rows.at(-1)?.id ?? after, more: rows.length === limit };
}

export async function lastFeedId(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('feed')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return row?.id == null ? 0 : Number(row.id);
}
