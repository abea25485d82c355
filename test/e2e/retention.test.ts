import { afterEach, describe, expect, it } from 'vitest';
import { callReceived } from '../../src/sim/webhooks.js';
import { recordEvent } from '../../src/store/events.js';
import { appendFeed, readFeed } from '../../src/store/feed.js';
import { FEED_START } from '../../src/store/feedPosition.js';
import { startHarness, testConfig, waitFor, type Harness } from '../helpers/harness.js';

describe('history retention in a running server', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('deletes history older than retention.keep, and keeps what is recent', async () => {
    h = await startHarness((db, url) => {
      const c = testConfig(db, url);
      c.retention = { enabled: true, keep: 24 * 3_600_000 };
      return c;
    });
    // History is appended in time order: the old row comes first, as it would have.
    const twoDaysAgo = h.clock.now() - 2 * 24 * 3_600_000;
    await recordEvent(h.bridge.store.db, {
      gateway: 'local',
      eventId: 'evt_ancient',
      session: 'default',
      type: 'session.status',
      callId: null,
      outcome: 'ignored',
      receivedAt: twoDaysAgo,
      body: '{}',
    });
    await h.post(callReceived({ from: '50000000001@c.us', callId: 'today' }));
    // The pass ran at start, before the old row was written; the next is an hour later.
    h.clock.advance('1h');
    const ids = async () =>
      (await h.bridge.store.db.selectFrom('events').select('event_id').execute()).map((e) => e.event_id);
    await waitFor('the old event to go', async () => !(await ids()).includes('evt_ancient'));
    expect((await ids()).length).toBeGreaterThan(0);
    const { body } = await h.api<{ calls: Array<{ callId: string }> }>('/api/calls');
    expect(body.calls.map((c) => c.callId)).toEqual(['today']);
  });

  it('forgets live-feed changes older than a day, with retention off too; the recent ones stay', async () => {
    h = await startHarness((db, url) => {
      const c = testConfig(db, url);
      c.retention = { enabled: false, keep: 24 * 3_600_000 };
      return c;
    });
    await appendFeed(
      h.bridge.store.db,
      'sqlite',
      [{ session: 'default', callId: 'yesterday' }],
      h.clock.now() - 25 * 3_600_000,
    );
    await h.post(callReceived({ from: '50000000002@c.us', callId: 'today' }));
    await h.settled();
    h.clock.advance('1h');
    const fed = async () => (await readFeed(h.bridge.store.db, 'sqlite', FEED_START, 100)).changes.map((c) => c.callId);
    await waitFor('the day-old change to go', async () => !(await fed()).includes('yesterday'));
    expect(await fed()).toContain('today');
  });
});
