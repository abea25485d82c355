import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LiveFeed, MAX_HELD } from '../../../src/feed/liveFeed.js';
import { feedSource, type FeedMessage, type FeedMessagePage, type FeedSource } from '../../../src/feed/messages.js';
import { saveCall } from '../../../src/store/calls.js';
import { openStore, type Store } from '../../../src/store/db.js';
import { appendFeed, lastFeedId } from '../../../src/store/feed.js';
import { aCall } from '../../helpers/calls.js';
import { waitFor } from '../../helpers/harness.js';
import { gate } from '../../helpers/stores.js';

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
    return lastFeedId(store.db);
  };

  /** The store's source, whose first read (a subscriber's replay, when it subscribes first) is `first`. */
  const firstReadIs = (first: (after: number) => Promise<FeedMessagePage>): FeedSource => {
    const real = feedSource(store.db);
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
    const subA = feed.subscribe(null, a.send, a.end);
    feed.subscribe(null, b.send, b.end);
    expect(subA.position).toBe(await lastFeedId(store.db));
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

  it('resumes after a position: what came since, then the live changes held meanwhile, each once', async () => {
    const seen = await change('seen');
    await change('missed-1');
    await change('missed-2');
    // The replay waits until a live change has been read, so that change is held, then found by the replay too.
    const replaying = gate();
    const real = feedSource(store.db);
    await startFeed(firstReadIs(async (after) => (await replaying.promise, real.readPage(after))));
    const resuming = subscriber();
    const live = subscriber();
    feed.subscribe(seen, resuming.send, resuming.end);
    feed.subscribe(null, live.send, live.end);
    await change('live');
    feed.wake();
    await waitFor('the live change to be handed out', () => live.got.length === 1);
    expect(resuming.got).toEqual([]);
    replaying.open();
    await waitFor('the replay, then the held change', () => resuming.got.length === 3);
    expect(resuming.callIds()).toEqual(['missed-1', 'missed-2', 'live']);
    expect(resuming.got.map((m) => m.id)).toEqual([seen + 1, seen + 2, seen + 3]);
    expect(resuming.ended).toEqual([]);
  });

  it('ends the stream of a subscriber whose replay fails, holds nothing for it, and serves the others', async () => {
    const seen = await change('seen');
    const down = new Error('database unavailable');
    await startFeed(firstReadIs(() => Promise.reject(down)));
    const resuming = subscriber();
    const live = subscriber();
    feed.subscribe(seen, resuming.send, resuming.end);
    feed.subscribe(null, live.send, live.end);
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
    const message = (await feedSource(store.db).readPage(0)).messages[0]!;
    let id = seen;
    const burst = async (n: number): Promise<FeedMessagePage> => ({
      messages: Array.from({ length: n }, () => ({ ...message, id: ++id })),
      end: id,
      more: false,
    });
    // The replay's read never answers; the follower's reads bring MAX_HELD live changes, then one more.
    const reads = [() => new Promise<never>(() => {}), () => burst(MAX_HELD), () => burst(1)];
    await startFeed({ ...feedSource(store.db), readPage: () => reads.shift()!() });
    const resuming = subscriber();
    const live = subscriber();
    feed.subscribe(seen, resuming.send, resuming.end);
    feed.subscribe(null, live.send, live.end);
    feed.wake();
    await waitFor('the first burst', () => live.got.length === MAX_HELD);
    expect(resuming.ended).toEqual([]);
    feed.wake();
    await waitFor('the resuming subscriber to be ended', () => resuming.ended.length === 1);
    expect(live.got).toHaveLength(MAX_HELD + 1);
    expect(resuming.got).toEqual([]);
  });
});
