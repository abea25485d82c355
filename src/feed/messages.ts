import type { Kysely } from 'kysely';
import { findCallsByCallIds } from '../store/calls.js';
import { lastFeedId, readFeed, type CallRef } from '../store/feed.js';
import { findWorkItems } from '../store/queue.js';
import type { Database } from '../store/schema.js';
import { callSummary, type CallSummary } from '../views/calls.js';
import { workItemView, type WorkItemView } from '../views/queue.js';

/**
 * One message of the live feed, at the feed position of its change: a call as `GET /api/calls`
 * shows it, or a work item as `GET /api/queue` does.
 */
export type FeedMessage =
  { id: number; call: CallSummary; item?: undefined } | { id: number; item: WorkItemView; call?: undefined };

export interface FeedMessagePage {
  messages: FeedMessage[];
  /** The highest position read: where the next page starts. */
  end: number;
  /** True when more may follow. */
  more: boolean;
}

/** Where the live feed reads from: positions and pages of messages. */
export interface FeedSource {
  lastId(): Promise<number>;
  readPage(after: number): Promise<FeedMessagePage>;
}

const PAGE = 500;

/** The `feed` table, each change read with its call (or work item) in one query per page. */
export function feedSource(db: Kysely<Database>): FeedSource {
  return {
    lastId: () => lastFeedId(db),
    async readPage(after) {
      const page = await readFeed(db, after, PAGE);
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
          if (call) messages.push({ id: change.id, call: callSummary(call) });
        } else {
          const item = byId.get(change.itemId);
          if (item) messages.push({ id: change.id, item: workItemView(item) });
        }
      }
      return { messages, end: page.end, more: page.more };
    },
  };
}
