import type { Kysely } from 'kysely';
import { findCallsByCallIds } from '../store/calls.js';
import { lastFeedId, readFeed } from '../store/feed.js';
import type { Database } from '../store/schema.js';
import { callSummary, type CallSummary } from '../views/calls.js';

/** One message of the live feed: a call as `GET /api/calls` shows it, at the feed position of its change. */
export interface FeedMessage {
  id: number;
  call: CallSummary;
}

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

/** The `feed` table, each change read with its call in one query per page. */
export function feedSource(db: Kysely<Database>): FeedSource {
  return {
    lastId: () => lastFeedId(db),
    async readPage(after) {
      const page = await readFeed(db, after, PAGE);
      const calls = await findCallsByCallIds(db, page.changes);
      const byKey = new Map(calls.map((c) => [`${c.session}\u0000${c.callId}`, c]));
      const messages: FeedMessage[] = [];
      for (const change of page.changes) {
        const call = byKey.get(`${change.session}\u0000${change.callId}`);
        if (call) messages.push({ id: change.id, call: callSummary(call) });
      }
      return { messages, end: page.end, more: page.more };
    },
  };
}
