import { findCallsByCallIds } from '../store/calls.js';
import { DatabaseError, redactUrl, type Store } from '../store/db.js';
import { feedChannel, lastFeedId, readFeed } from '../store/feed.js';
import { callSummary, type CallSummary } from '../views/calls.js';
import { FeedListener } from './feedListener.js';

/** One message of the live feed: a call as `GET /api/calls` shows it, at the feed position of its change. */
export interface FeedMessage {
  id: number;
  call: CallSummary;
}

export interface FeedSubscription {
  /** The position the subscriber starts after: its resume point if nothing arrives. */
  readonly position: number;
  close(): void;
}

interface Subscriber {
  cursor: number;
  send: (m: FeedMessage) => void;
  /** While a resuming subscriber replays history, live messages wait here. */
  held: FeedMessage[] | null;
}

const PAGE = 500;

/**
 * The feed of call changes, read from the `feed` table. One reader per process follows the table
 * and fans out to every subscriber; it is woken by this process's commits, and on PostgreSQL by
 * every replica's commits through LISTEN/NOTIFY. Positions come from the table, so a client can
 * resume on any replica.
 */
export class LiveFeed {
  private last = 0;
  private readonly subscribers = new Set<Subscriber>();
  private reading = false;
  private again = false;
  private listener: FeedListener | null = null;

  constructor(
    private readonly store: Store,
    private readonly onError: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    this.last = await lastFeedId(this.store.db);
    const pgInfo = this.store.postgres;
    if (pgInfo) {
      this.listener = new FeedListener({
        url: pgInfo.url,
        channel: feedChannel(pgInfo.schema),
        onWake: () => this.wake(),
        onError: this.onError,
      });
      await this.listener.start().catch((err: unknown) => {
        throw new DatabaseError(
          `cannot LISTEN for the live feed at ${redactUrl(pgInfo.url)}: ${(err as Error).message}`,
        );
      });
    }
  }

  async stop(): Promise<void> {
    await this.listener?.stop();
    this.subscribers.clear();
  }

  /** Reads what was appended since the last read and hands it out. Calls while a read runs coalesce into one more read. */
  wake(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    void this.follow()
      .catch(this.onError)
      .finally(() => {
        this.reading = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /**
   * Subscribes from `after` (a position a client saw: it gets everything since), or from now when null.
   */
  subscribe(after: number | null, send: (m: FeedMessage) => void): FeedSubscription {
    const sub: Subscriber = { cursor: after ?? this.last, send, held: after === null ? null : [] };
    this.subscribers.add(sub);
    if (after !== null) void this.replay(sub).catch(this.onError);
    return { position: sub.cursor, close: () => this.subscribers.delete(sub) };
  }

  private async follow(): Promise<void> {
    // Nobody is listening: keep the position, skip building messages. Under load this is every
    // commit, and on SQLite the reads would queue behind (and ahead of) the writers.
    if (this.subscribers.size === 0) {
      const last = await lastFeedId(this.store.db);
      // Someone subscribed while we asked: they must get what came since, so read it after all.
      if (this.subscribers.size === 0) {
        this.last = last;
        return;
      }
    }
    for (;;) {
      const page = await this.readPage(this.last);
      this.last = page.end;
      for (const sub of this.subscribers) {
        if (sub.held) sub.held.push(...page.messages);
        else deliver(sub, page.messages);
      }
      if (!page.more) return;
    }
  }

  private async replay(sub: Subscriber): Promise<void> {
    for (;;) {
      const page = await this.readPage(sub.cursor);
      if (!this.subscribers.has(sub)) return;
      deliver(sub, page.messages);
      sub.cursor = Math.max(sub.cursor, page.end);
      if (!page.more) break;
    }
    const held = sub.held ?? [];
    sub.held = null;
    deliver(sub, held);
  }

  private async readPage(after: number): Promise<{ messages: FeedMessage[]; end: number; more: boolean }> {
    const page = await readFeed(this.store.db, after, PAGE);
    const calls = await findCallsByCallIds(this.store.db, page.changes);
    const byKey = new Map(calls.map((c) => [`${c.session}\u0000${c.callId}`, c]));
    const messages: FeedMessage[] = [];
    for (const change of page.changes) {
      const call = byKey.get(`${change.session}\u0000${change.callId}`);
      if (call) messages.push({ id: change.id, call: callSummary(call) });
    }
    return { messages, end: page.end, more: page.more };
  }
}

function deliver(sub: Subscriber, messages: FeedMessage[]): void {
  for (const m of messages) {
    if (m.id <= sub.cursor) continue;
    sub.cursor = m.id;
    sub.send(m);
  }
}
