import type { Kysely } from 'kysely';
import { findCallsByCallIds } from '../store/calls.js';
import type { Dialect } from '../store/db.js';
import { lastFeedPosition, readFeed, type CallRef } from '../store/feed.js';
import type { FeedPosition } from '../store/feedPosition.js';
import { findWorkItems } from '../store/queue.js';
import type { Database } from '../store/schema.js';
import { callSummary, type CallSummary } from '../views/calls.js';
import { workItemView, type WorkItemView } from '../views/queue.js';

/**
 * One message of the live feed, at the feed position of its change: a call as `GET /api/calls`
 * shows it, or a work item as `GET /api/queue` does.
 */
export type FeedMessage =
  | { position: FeedPosition; call: CallSummary; item?: undefined }
  | { position: FeedPosition; item: WorkItemView; call?: undefined };

export interface FeedMessagePage {
  messages: FeedMessage[];
  /** The last position read: where the next page starts. */
  end: FeedPosition;
  /** True when more may follow at once. */
  more: boolean;
  /** True when committed changes wait behind older transactions still open: read again soon. */
  heldBack: boolean;
}

/** Where the live feed reads from: positions and pages of messages. */
export interface FeedSource {
  /** The position of "now", and whether changes wait past it (as `heldBack` in a page). */
  head(): Promise<{ position: FeedPosition; heldBack: boolean }>;
  readPage(after: FeedPosition): Promise<FeedMessagePage>;
}

const PAGE = 500;

/** The `feed` table, each change read with its call (or work item) in one query per page. */
export function feedSource(db: Kysely<Database>, dialect: Dialect): FeedSource {
  return {
    head: () => lastFeedPosition(db, dialect),
    async readPage(after) {
      const page = await readFeed(db, dialect, after, PAGE);
      const callRefs: CallRef[] = [];
      const itemIds: number[] = [];
      for (const c of page.changes) {
        if (c.itemId === undefined) callRefs.push(c);
        else itemIds.push(c.itemId);
      }
      const [calls, items] = await Promise.all([findCallsByCallIds(db, callRefs), findWorkItems(db, itemIds)]);
      const byKey = new Map(calls.map((c) => [`${c.session}\u0000${c.callId}`, c]));
      const byId = new Map(items.map((i) => [i.row.id, i]));
      const messages: FeedMessage[] = [];
      for (const change of page.changes) {
        if (change.itemId === undefined) {
          const call = byKey.get(`${change.session}\u0000${change.callId}`);
          if (call) messages.push({ position: change.position, call: callSummary(call) });
        } else {
          const item = byId.get(change.itemId);
          if (item) messages.push({ position: change.position, item: workItemView(item) });
        }
      }
      return { messages, end: page.end, more: page.more, heldBack: page.heldBack };
    },
  };
}
