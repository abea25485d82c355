import { redactUrl } from '../config/index.js';
import { DatabaseError, type Store } from '../store/db.js';
import { feedChannel } from '../store/feed.js';
import { comparePositions, FEED_START, type FeedPosition } from '../store/feedPosition.js';
import { FeedListener } from './feedListener.js';
import { feedSource, type FeedMessage, type FeedSource } from './messages.js';

export interface FeedSubscription {
  /** The position the subscriber starts after: its resume point if nothing arrives. */
  readonly position: FeedPosition;
  close(): void;
}

interface Subscriber {
  cursor: FeedPosition;
  send: (m: FeedMessage) => void;
  end: (err: unknown) => void;
  /** While a resuming subscriber replays history, live messages wait here. */
  held: FeedMessage[] | null;
}

/**
 * Live messages held for one subscriber while it replays. Past this its replay is stuck (a
 * database that answers no more): it is ended rather than held for without end.
 */
export const MAX_HELD = 10_000;

/**
 * How soon changes held back behind an older open transaction are looked for again: that
 * transaction may write no feed row, so no NOTIFY says when it ends. Doubled while the wait goes on
 * (a long transaction), back to the first once the feed moves.
 */
const RECHECK_MIN = 25;
const RECHECK_MAX = 1000;
/**
 * How often a PostgreSQL replica with subscribers reads the feed unasked: a replica that died
 * between its commit and its NOTIFY (feed/notifier.ts) wakes nobody, and its change would wait
 * for the next one's.
 */
export const FEED_POLL = 2_000;

/**
 * The feed of call changes, read from the `feed` table. One reader per process follows the table
 * and fans out to every subscriber; it is woken by this process's commits, and on PostgreSQL by
 * every replica's commits through LISTEN/NOTIFY. Positions come from the table, so a client can
 * resume on any replica.
 */
export class LiveFeed {
  private last: FeedPosition = FEED_START;
  /** False once a read was skipped for want of subscribers: `last` may then be behind the feed's end. */
  private followed = true;
  private readonly subscribers = new Set<Subscriber>();
  private reading = false;
  private again = false;
  private listener: FeedListener | null = null;
  private recheck: NodeJS.Timeout | null = null;
  private recheckDelay = RECHECK_MIN;
  private poll: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly onError: (err: unknown) => void,
    private readonly source: FeedSource = feedSource(store.db, store.dialect),
  ) {}

  async start(): Promise<void> {
    const head = await this.source.head();
    this.last = head.position;
    this.recheckLater(head.heldBack, false);
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
      // Real time, like the rechecks: it paces reads of the database.
      this.poll = setInterval(() => this.subscribers.size > 0 && this.wake(), FEED_POLL);
      this.poll.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.recheck) clearTimeout(this.recheck);
    if (this.poll) clearInterval(this.poll);
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
    const from = this.last;
    void this.follow()
      .then((heldBack) => this.recheckLater(heldBack, comparePositions(this.last, from) > 0), this.onError)
      .finally(() => {
        this.reading = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /**
   * Subscribes from `after` (a position a client saw: it gets everything since), or from now when
   * null. `end` is called when the feed cannot go on serving this subscriber (its replay failed, or
   * fell too far behind): its client should reconnect and resume from the last position it got.
   */
  async subscribe(
    after: FeedPosition | null,
    send: (m: FeedMessage) => void,
    end: (err: unknown) => void,
  ): Promise<FeedSubscription> {
    // Nobody was listening, so the feed's end was not followed: where it is must be read first,
    // for a new subscriber's "now", and so that the live reads don't start from long ago.
    if (!this.followed && this.subscribers.size === 0) await this.catchUp();
    const sub: Subscriber = { cursor: after ?? this.last, send, end, held: after === null ? null : [] };
    this.subscribers.add(sub);
    if (after !== null) void this.replay(sub).catch((err: unknown) => this.drop(sub, err));
    return { position: sub.cursor, close: () => this.subscribers.delete(sub) };
  }

  /** Moves `last` to the feed's end, as a read with nobody to hand the changes to would. */
  private async catchUp(): Promise<void> {
    const head = await this.source.head();
    if (comparePositions(head.position, this.last) > 0) this.last = head.position;
    this.followed = true;
    this.recheckLater(head.heldBack, false);
  }

  /**
   * Changes are held back (see FeedMessagePage): reads again after a delay. A timer of its own, not
   * the domain clock's: it paces reads of the database, as a socket timeout would, and one at a
   * time, so it can't spin.
   */
  private recheckLater(heldBack: boolean, moved: boolean): void {
    if (moved || !heldBack) this.recheckDelay = RECHECK_MIN;
    if (!heldBack || this.recheck || this.stopped) return;
    const delay = this.recheckDelay;
    this.recheckDelay = Math.min(delay * 2, RECHECK_MAX);
    this.recheck = setTimeout(() => {
      this.recheck = null;
      this.wake();
    }, delay);
    this.recheck.unref();
  }

  /** Reads up to the feed's end; true when changes wait past it. */
  private async follow(): Promise<boolean> {
    // Nobody is listening: nothing is read. Under load this is every commit (on PostgreSQL every
    // replica's), and on SQLite the reads would queue behind (and ahead of) the writers; the
    // first subscriber to come reads where the feed has got to.
    if (this.subscribers.size === 0) {
      this.followed = false;
      return false;
    }
    for (;;) {
      const page = await this.source.readPage(this.last);
      this.last = page.end;
      for (const sub of this.subscribers) {
        if (!sub.held) deliver(sub, page.messages);
        else if (sub.held.length + page.messages.length <= MAX_HELD) sub.held.push(...page.messages);
        else this.drop(sub, new Error(`the replay fell more than ${MAX_HELD} live changes behind`));
      }
      if (!page.more) return page.heldBack;
    }
  }

  private async replay(sub: Subscriber): Promise<void> {
    for (;;) {
      const page = await this.source.readPage(sub.cursor);
      if (!this.subscribers.has(sub)) return;
      deliver(sub, page.messages);
      if (comparePositions(page.end, sub.cursor) > 0) sub.cursor = page.end;
      if (!page.more) break;
    }
    const held = sub.held ?? [];
    sub.held = null;
    deliver(sub, held);
  }

  /** Stops serving a subscriber that can't be caught up here; what was held for it goes with it. */
  private drop(sub: Subscriber, err: unknown): void {
    this.onError(err);
    if (!this.subscribers.delete(sub)) return;
    sub.held = null;
    sub.end(err);
  }
}

function deliver(sub: Subscriber, messages: FeedMessage[]): void {
  for (const m of messages) {
    if (comparePositions(m.position, sub.cursor) <= 0) continue;
    sub.cursor = m.position;
    sub.send(m);
  }
}
