import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FEED_POLL, LiveFeed, MAX_HELD } from '../../../src/feed/liveFeed.js';
import { feedNotifier } from '../../../src/feed/notifier.js';
import { feedSource, type FeedMessage, type FeedMessagePage, type FeedSource } from '../../../src/feed/messages.js';
import { openStore, type Store } from '../../../src/store/db.js';
import { appendFeed, feedChannel, lastFeedPosition } from '../../../src/store/feed.js';
import { FEED_START, type FeedPosition } from '../../../src/store/feedPosition.js';
import { aCall } from '../../helpers/calls.js';
import { waitFor } from '../../helpers/harness.js';
import { gate, PG_URL, useFreshStore } from '../../helpers/stores.js';
import { saveCall } from '../../helpers/writes.js';

/** A subscriber's view: what it was sent, and whether (and why) the feed ended it. */
function subscriber() {
  const got: FeedMessage[] = [];
  const ended: unknown[] = [];
  return {
    got,
    ended,
    callIds: () => got.map((m) => m.call?.callId),
    send: (m: FeedMessage) => got.push(m),
    end: (err: unknown) => ended.push(err),
  };
}

describe('the live feed', () => {
  let store: Store;
  let errors: unknown[];
  let feed: LiveFeed;
  /** The feed, over the store's feed table as it is read in production, or over `source`. */
  const startFeed = async (source?: FeedSource) => {
    feed = new LiveFeed(store, (err) => errors.push(err), source);
    await feed.start();
  };
  /** A call changes: its row, then its feed entry, as one commit of the pipeline writes them. */
  const change = async (callId: string) => {
    await saveCall(store.db, aCall({ callId }), null, 1_000);
    await appendFeed(store.db, 'sqlite', [{ session: 'default', callId }], 1_000);
    return (await lastFeedPosition(store.db, 'sqlite')).position;
  };

  /** The store's source, whose first read (a subscriber's replay, when it subscribes first) is `first`. */
  const firstReadIs = (first: (after: FeedPosition) => Promise<FeedMessagePage>): FeedSource => {
    const real = feedSource(store.db, 'sqlite');
    let reads = 0;
    return { ...real, readPage: (after) => (reads++ === 0 ? first(after) : real.readPage(after)) };
  };

  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
    errors = [];
  });
  afterEach(async () => {
    await feed.stop();
    await store.close();
  });

  it('hands each change to every subscriber, in feed order, as the call summary; a closed one gets no more', async () => {
    await change('before');
    await startFeed();
    const a = subscriber();
    const b = subscriber();
    const subA = await feed.subscribe(null, a.send, a.end);
    await feed.subscribe(null, b.send, b.end);
    expect(subA.position).toEqual((await lastFeedPosition(store.db, 'sqlite')).position);
    await change('c1');
    await change('c2');
    feed.wake();
    await waitFor('both subscribers to get both changes', () => a.got.length === 2 && b.got.length === 2);
    expect(a.callIds()).toEqual(['c1', 'c2']);
    expect(b.got).toEqual(a.got);
    expect(a.got[0]!.call).toMatchObject({ callId: 'c1', status: 'ringing', receivedAt: '1970-01-01T00:00:01.000Z' });

    subA.close();
    await change('c3');
    feed.wake();
    await waitFor('the open subscriber to get the next change', () => b.got.length === 3);
    expect(a.got).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it('reads nothing while nobody listens; the next subscriber starts from the end of the feed, and a resuming one gets what it missed', async () => {
    const real = feedSource(store.db, 'sqlite');
    let reads = 0;
    await startFeed({
      head: () => (reads++, real.head()),
      readPage: (after) => (reads++, real.readPage(after)),
    });
    const seen = await change('seen');
    for (const callId of ['idle-1', 'idle-2']) {
      await change(callId);
      feed.wake();
    }
    await waitFor('the wakes to settle', () => !(feed as unknown as { reading: boolean }).reading);
    expect(reads).toBe(1);

    const now = subscriber();
    const sub = await feed.subscribe(null, now.send, now.end);
    expect(sub.position).toEqual((await lastFeedPosition(store.db, 'sqlite')).position);
    const resuming = subscriber();
    await feed.subscribe(seen, resuming.send, resuming.end);
    await change('live');
    feed.wake();
    await waitFor('the live change', () => now.got.length === 1 && resuming.got.length === 3);
    expect(now.callIds()).toEqual(['live']);
    expect(resuming.callIds()).toEqual(['idle-1', 'idle-2', 'live']);
    expect(errors).toEqual([]);
  });

  it('resumes after a position: what came since, then the live changes held meanwhile, each once', async () => {
    const seen = await change('seen');
    await change('missed-1');
    await change('missed-2');
    // The replay waits until a live change has been read, so that change is held, then found by the replay too.
    const replaying = gate();
    const real = feedSource(store.db, 'sqlite');
    await startFeed(firstReadIs(async (after) => (await replaying.promise, real.readPage(after))));
    const resuming = subscriber();
    const live = subscriber();
    await feed.subscribe(seen, resuming.send, resuming.end);
    await feed.subscribe(null, live.send, live.end);
    await change('live');
    feed.wake();
    await waitFor('the live change to be handed out', () => live.got.length === 1);
    expect(resuming.got).toEqual([]);
    replaying.open();
    await waitFor('the replay, then the held change', () => resuming.got.length === 3);
    expect(resuming.callIds()).toEqual(['missed-1', 'missed-2', 'live']);
    // SQLite writes tx 0: a position is the id alone.
    expect(resuming.got.map((m) => m.position)).toEqual([1, 2, 3].map((n) => ({ tx: 0, id: seen.id + n })));
    expect(resuming.ended).toEqual([]);
  });

  it('ends the stream of a subscriber whose replay fails, holds nothing for it, and serves the others', async () => {
    const seen = await change('seen');
    const down = new Error('database unavailable');
    await startFeed(firstReadIs(() => Promise.reject(down)));
    const resuming = subscriber();
    const live = subscriber();
    await feed.subscribe(seen, resuming.send, resuming.end);
    await feed.subscribe(null, live.send, live.end);
    await waitFor('the resuming subscriber to be ended', () => resuming.ended.length === 1);
    expect(resuming.ended).toEqual([down]);
    expect(errors).toEqual([down]);

    await change('after');
    feed.wake();
    await waitFor('the live subscriber to get the change', () => live.got.length === 1);
    expect(resuming.got).toEqual([]);
    expect(resuming.ended).toHaveLength(1);
  });

  it('ends a subscriber whose replay never finishes once more live changes wait for it than it may hold', async () => {
    const seen = await change('seen');
    const message = (await feedSource(store.db, 'sqlite').readPage(FEED_START)).messages[0]!;
    let id = seen.id;
    const burst = async (n: number): Promise<FeedMessagePage> => ({
      messages: Array.from({ length: n }, () => ({ ...message, position: { tx: 0, id: ++id } })),
      end: { tx: 0, id },
      more: false,
      heldBack: false,
    });
    // The replay's read never answers; the follower's reads bring MAX_HELD live changes, then one more.
    const reads = [() => new Promise<never>(() => {}), () => burst(MAX_HELD), () => burst(1)];
    await startFeed({ ...feedSource(store.db, 'sqlite'), readPage: () => reads.shift()!() });
    const resuming = subscriber();
    const live = subscriber();
    await feed.subscribe(seen, resuming.send, resuming.end);
    await feed.subscribe(null, live.send, live.end);
    feed.wake();
    await waitFor('the first burst', () => live.got.length === MAX_HELD);
    expect(resuming.ended).toEqual([]);
    feed.wake();
    await waitFor('the resuming subscriber to be ended', () => resuming.ended.length === 1);
    expect(live.got).toHaveLength(MAX_HELD + 1);
    expect(resuming.got).toEqual([]);
  });

  it('looks again for changes held back, without being woken, less and less often while they stay held', async () => {
    let reads = 0;
    let heldBack = true;
    const nothing = { messages: [], end: FEED_START, more: false };
    vi.useFakeTimers();
    try {
      // Held back from the start: the feed looks again 25 ms after it has read where it ends.
      await startFeed({
        head: async () => ({ position: FEED_START, heldBack }),
        readPage: async () => (reads++, { ...nothing, heldBack }),
      });
      const sub = subscriber();
      await feed.subscribe(null, sub.send, sub.end);
      // 25, 50, 100, 200 ms apart: each wait is twice the last while nothing moves.
      for (const [wait, after] of [
        [25, 1],
        [50, 2],
        [100, 3],
        [200, 4],
      ] as const) {
        await vi.advanceTimersByTimeAsync(wait - 1);
        expect(reads).toBe(after - 1);
        await vi.advanceTimersByTimeAsync(1);
        expect(reads).toBe(after);
      }
      heldBack = false;
      await vi.advanceTimersByTimeAsync(400);
      expect(reads).toBe(5);
      // Nothing held any more: no timer is left to read again.
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe.skipIf(!PG_URL)('the live feed on PostgreSQL', () => {
  const fresh = useFreshStore('postgres');

  it('delivers a change held back behind an older transaction once that ends, though its end notifies nobody', async () => {
    const { store } = fresh;
    const errors: unknown[] = [];
    const pages: FeedMessagePage[] = [];
    const real = feedSource(store.db, 'postgres');
    const feed = new LiveFeed(store, (err) => errors.push(err), {
      ...real,
      readPage: async (after) => {
        const page = await real.readPage(after);
        pages.push(page);
        return page;
      },
    });
    await feed.start();
    const hold = gate();
    try {
      const sub = subscriber();
      await feed.subscribe(null, sub.send, sub.end);
      // The older transaction writes (takes a transaction id), but no feed row: its end sends no NOTIFY.
      let writing = false;
      const older = store.db.transaction().execute(async (trx) => {
        await sql`select pg_current_xact_id()`.execute(trx);
        writing = true;
        await hold.promise;
      });
      await waitFor('the older transaction to write', () => writing);
      await saveCall(store.db, aCall({ callId: 'held' }), null, 1_000);
      await store.db
        .transaction()
        .execute((trx) => appendFeed(trx, 'postgres', [{ session: 'default', callId: 'held' }], 1_000));
      await sql`select pg_notify(${feedChannel(store.postgres!.schema)}, '')`.execute(store.db);
      await waitFor('its NOTIFY to wake a read that finds it held back', () =>
        pages.some((p) => p.heldBack && p.messages.length === 0),
      );
      expect(sub.got).toEqual([]);
      hold.open();
      await older;
      await waitFor('the held change', () => sub.got.length === 1, 2_000);
      expect(sub.callIds()).toEqual(['held']);
      expect(errors).toEqual([]);
    } finally {
      hold.open();
      await feed.stop();
    }
  });

  it('reads, unasked, a change whose replica died before its NOTIFY', async () => {
    const { store } = fresh;
    const errors: unknown[] = [];
    const feed = new LiveFeed(store, (err) => errors.push(err));
    await feed.start();
    try {
      const sub = subscriber();
      await feed.subscribe(null, sub.send, sub.end);
      await saveCall(store.db, aCall({ callId: 'unannounced' }), null, 1_000);
      await store.db
        .transaction()
        .execute((trx) => appendFeed(trx, 'postgres', [{ session: 'default', callId: 'unannounced' }], 1_000));
      await waitFor('the poll to find it', () => sub.got.length === 1, FEED_POLL * 3);
      expect(sub.callIds()).toEqual(['unannounced']);
      expect(errors).toEqual([]);
    } finally {
      await feed.stop();
    }
  });

  it('tells other replicas of commits one NOTIFY at a time: those made while one is sent share the next', async () => {
    const { store } = fresh;
    const channel = feedChannel(store.postgres!.schema);
    const listener = new pg.Client({ connectionString: PG_URL });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.channel));
    await listener.query(`listen ${pg.escapeIdentifier(channel)}`);
    try {
      const errors: unknown[] = [];
      const notify = feedNotifier(store.db, channel, (err) => errors.push(err));
      for (let i = 0; i < 5; i++) notify();
      await waitFor('two notifications', () => heard.length >= 2);
      // A third would have come by the time a round trip has answered.
      await listener.query('select 1');
      expect(heard).toEqual([channel, channel]);
      expect(errors).toEqual([]);
    } finally {
      await listener.end();
    }
  });
});
