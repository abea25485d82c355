import { sql, type Kysely } from 'kysely';
import type { Dialect } from './db.js';
import { FEED_START, type FeedPosition } from './feedPosition.js';
import type { Database } from './schema.js';

/** A call, by the key the gateway and the API use. */
export interface CallRef {
  session: string;
  callId: string;
}

/** What the feed announces: a call's change, or a work item's. */
export type FeedRef = (CallRef & { itemId?: undefined }) | { session: string; itemId: number; callId?: undefined };

const feedKey = (r: FeedRef) => (r.itemId === undefined ? `${r.session}\u0000${r.callId}` : `item:${r.itemId}`);

/** The NOTIFY channel of one schema, so deployments sharing a database don't wake each other. */
export const feedChannel = (schema: string) => `callbridge_feed.${schema}`;

/** How far back `Last-Event-ID` can resume: older changes are pruned with the history (retention.ts). */
export const FEED_KEEP = 24 * 60 * 60 * 1000;

/**
 * The writing transaction's id, for `feed.tx`: PostgreSQL's 64-bit transaction id (xid8), taken
 * at the transaction's first write. Cast through text: xid8 has no cast to bigint.
 */
const currentTx = sql<number>`pg_current_xact_id()::text::bigint`;

/**
 * Where the reader of PostgreSQL's feed stops: every transaction below the oldest one still
 * running has finished, so the rows with a smaller tx are all visible, and that set never grows
 * (a transaction that writes later gets a larger id). Rows at or past it wait ("held back") until
 * the older transactions end. A long-running writing transaction anywhere on the server (xids are
 * server-wide) holds it back and delays the feed meanwhile; nothing is lost.
 */
const horizon = sql<number>`pg_snapshot_xmin(pg_current_snapshot())::text::bigint`;

/**
 * Appends the changed calls and work items to the feed, as the last writes of a transaction.
 *
 * On PostgreSQL an identity value is taken at insert but becomes visible at commit, so two
 * transactions may commit ids 11 then 10: id order is not the order rows become visible. Each row
 * carries its transaction's id instead, and readers read in (tx, id) order up to the horizon
 * (readFeed), so writers take no lock and commit in any order. On SQLite one transaction writes at
 * a time: id order is commit order, and tx stays 0. Readers are woken after the commit (see
 * feed/notifier.ts for why not by a NOTIFY in the transaction).
 */
export async function appendFeed(
  trx: Kysely<Database>,
  dialect: Dialect,
  changed: FeedRef[],
  now: number,
): Promise<void> {
  const unique = new Map(changed.map((c) => [feedKey(c), c]));
  if (unique.size === 0) return;
  await trx
    .insertInto('feed')
    .values(
      [...unique.values()].map((c) => ({
        session: c.session,
        call_id: c.callId ?? '',
        item_id: c.itemId ?? null,
        created_at: now,
        ...(dialect === 'postgres' ? { tx: currentTx } : {}),
      })),
    )
    .execute();
}

export interface FeedPage {
  /** Changes in feed order; a call or item that changed several times in the page appears once, at its last position. */
  changes: Array<FeedRef & { position: FeedPosition }>;
  /** The last position read: the cursor for the next page. */
  end: FeedPosition;
  /** True when the page was full and more may follow. */
  more: boolean;
  /** True when rows past the horizon exist: they can be read once older transactions end, which may notify nobody. */
  heldBack: boolean;
}

/** On PostgreSQL, the horizon and whether committed rows wait past it, seen in one snapshot. */
async function readHorizon(db: Kysely<Database>): Promise<{ below: number; heldBack: boolean }> {
  const { rows } = await sql<{ below: number; held_back: boolean }>`
    select below, exists (select 1 from feed where tx >= below) as held_back
    from (select ${horizon} as below) h`.execute(db);
  return { below: rows[0]!.below, heldBack: rows[0]!.held_back };
}

/** The rows a reader may pass: all of them on SQLite, those below the horizon on PostgreSQL. */
const readable = async (db: Kysely<Database>, dialect: Dialect) =>
  dialect === 'postgres' ? readHorizon(db) : { below: null, heldBack: false };

export async function readFeed(
  db: Kysely<Database>,
  dialect: Dialect,
  after: FeedPosition,
  limit: number,
): Promise<FeedPage> {
  // Read in a statement of its own: the rows below the horizon are final by then, so a later snapshot sees the same set.
  const { below, heldBack } = await readable(db, dialect);
  const rows = await db
    .selectFrom('feed')
    .select(['id', 'tx', 'session', 'call_id', 'item_id'])
    .where((eb) => eb(eb.refTuple('tx', 'id'), '>', eb.tuple(after.tx, after.id)))
    .$if(below !== null, (q) => q.where('tx', '<', below!))
    .orderBy('tx')
    .orderBy('id')
    .limit(limit)
    .execute();
  const latest = new Map<string, FeedRef & { position: FeedPosition }>();
  for (const r of rows) {
    const ref: FeedRef =
      r.item_id === null ? { session: r.session, callId: r.call_id } : { session: r.session, itemId: r.item_id };
    const key = feedKey(ref);
    latest.delete(key);
    latest.set(key, { position: { tx: r.tx, id: r.id }, ...ref });
  }
  const last = rows.at(-1);
  return {
    changes: [...latest.values()],
    end: last ? { tx: last.tx, id: last.id } : after,
    more: rows.length === limit,
    heldBack,
  };
}

/** The position of "now": the last row a reader may pass, and whether rows wait past the horizon. */
export async function lastFeedPosition(
  db: Kysely<Database>,
  dialect: Dialect,
): Promise<{ position: FeedPosition; heldBack: boolean }> {
  const { below, heldBack } = await readable(db, dialect);
  const row = await db
    .selectFrom('feed')
    .select(['tx', 'id'])
    .$if(below !== null, (q) => q.where('tx', '<', below!))
    .orderBy('tx', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return { position: row ? { tx: row.tx, id: row.id } : FEED_START, heldBack };
}
