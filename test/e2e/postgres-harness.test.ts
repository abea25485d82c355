import { afterEach, describe, expect, it } from 'vitest';
import { callReceived } from '../../src/sim/webhooks.js';
import { startHarness, waitFor, type Harness } from '../helpers/harness.js';
import { PG_URL } from '../helpers/stores.js';

// The whole integration suite runs on PostgreSQL with TEST_HARNESS_DATABASE=postgres; these are
// the paths that once differed there, kept in every PostgreSQL run.
describe.skipIf(!PG_URL)(`one callbridge on PostgreSQL${PG_URL ? '' : ' (set TEST_DATABASE_URL to run)'}`, () => {
  let h: Harness;
  afterEach(() => h.close());

  it('retries a failed send with backoff and delivers it once (retry times are whole milliseconds)', async () => {
    h = await startHarness(undefined, { postgres: true });
    h.gateway.failNext('sendText', 2, 503);
    await h.post(callReceived({ from: '30000000009@c.us' }));
    // retryMax (200ms): each retry is due by then.
    await h.retryThrough(2);
    await h.gateway.waitFor((g) => g.sent.length === 1);
    await h.settled();
    expect(h.gateway.sent).toHaveLength(1);
    const list = await h.api<{ calls: Array<{ redirect: { status: string; attempts: number } }> }>('/api/calls');
    expect(list.body.calls[0]!.redirect).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
  });

  it('fires the ring timeout after a restart', async () => {
    h = await startHarness(undefined, { postgres: true });
    await h.post(callReceived({ from: '30000000010@c.us', callId: 'restart-pg' }));
    await h.restart();
    h.clock.advance('1s');
    await waitFor('the call to be missed', async () => {
      const { body } = await h.api<{ calls: Array<{ status: string }> }>('/api/calls');
      return body.calls[0]?.status === 'missed';
    });
    expect(await h.pendingTimers()).toBe(0);
  });
});
