import { afterEach, describe, expect, it } from 'vitest';
import { callReceived } from '../../src/sim/webhooks.js';
import { startHarness, testConfig, waitFor, type Harness } from '../helpers/harness.js';

/** The value of one series in a Prometheus text exposition (0 when absent). */
async function metric(h: Harness, series: string): Promise<number> {
  const text = await (await fetch(`${h.bridge.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('/metrics', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('counts webhooks, sent redirects and retries as events flow', async () => {
    h = await startHarness();
    const processed = 'callbridge_webhooks_total{gateway="local",event="call.received",outcome="processed"}';
    const duplicate = 'callbridge_webhooks_total{gateway="local",event="call.received",outcome="duplicate"}';
    const sent = 'callbridge_actions_total{kind="sendRedirect",outcome="ok"}';
    const retries = 'callbridge_action_retries_total{kind="sendRedirect"}';
    expect(await metric(h, processed)).toBe(0);

    h.gateway.failNext('sendText', 1, 503);
    const ring = callReceived({ from: '40000000001@c.us' });
    await h.post(ring);
    await h.post(ring);
    await h.post(callReceived({ from: '40000000002@c.us' }));
    await waitFor('one send failed, one done', async () => (await h.attempts()) === 2);
    // retryMax: the retry is due by then.
    h.clock.advance('200ms');
    await h.gateway.waitFor((g) => g.sent.length === 2);
    await h.settled();

    expect(await metric(h, processed)).toBe(2);
    expect(await metric(h, duplicate)).toBe(1);
    await waitFor('both sends counted', async () => (await metric(h, sent)) === 2);
    expect(await metric(h, retries)).toBe(1);
    expect(await metric(h, 'callbridge_webhook_processing_seconds_count')).toBe(3);
    expect(await metric(h, 'callbridge_actions_pending')).toBe(0);
  });

  it('times every commit and reports the stalls of both threads since the previous scrape', async () => {
    h = await startHarness();
    await h.post(callReceived({ from: '40000000003@c.us' }));
    const text = await (await fetch(`${h.bridge.url}/metrics`)).text();
    const value = (series: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${series} `))
          ?.split(' ')[1],
      );
    expect(value('callbridge_commit_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value('callbridge_commit_max_seconds')).toBeGreaterThan(0);
    expect(value('callbridge_webhook_wait_max_seconds')).toBeGreaterThan(0);
    for (const thread of ['http', 'writer']) {
      expect(value(`callbridge_event_loop_delay_max_seconds{thread="${thread}"}`)).toBeGreaterThanOrEqual(0);
      expect(value(`callbridge_gc_pause_max_seconds{thread="${thread}"}`)).toBeGreaterThanOrEqual(0);
    }
    // Each is the largest since the previous scrape: with nothing written since, none.
    expect(await metric(h, 'callbridge_webhook_wait_max_seconds')).toBe(0);
  });

  it('counts a redirect that expired before it could be sent', async () => {
    h = await startHarness((db, url) => {
      const c = testConfig(db, url);
      c.sessions.default!.redirect.expireAfter = 300;
      return c;
    });
    h.gateway.setDown(true);
    await h.post(callReceived({ from: '40000000003@c.us' }));
    await waitFor('the first failure', async () => (await h.attempts()) === 1);
    h.clock.advance('301ms');
    await waitFor('the redirect to expire', async () => (await metric(h, 'callbridge_redirects_expired_total')) === 1);
    expect(await metric(h, 'callbridge_actions_total{kind="sendRedirect",outcome="expired"}')).toBe(1);
    expect(h.gateway.sent).toHaveLength(0);
  });
});
