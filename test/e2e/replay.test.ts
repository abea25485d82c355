import { afterEach, describe, expect, it } from 'vitest';
import { callReceived, postWebhook, signWaha } from '../../src/sim/webhooks.js';
import { countEvents } from '../../src/store/events.js';
import { HMAC_KEY, startHarness, testConfig, type Harness } from '../helpers/harness.js';

const MINUTE = 60_000;

describe('X-Webhook-Timestamp', () => {
  let h: Harness;
  afterEach(() => h.close());

  const at = (timestamp: number | string) => ({ headers: { 'X-Webhook-Timestamp': String(timestamp) } });

  it('outside webhooks.tolerance of now is refused with 401 stale_webhook saying how far off, signed or not', async () => {
    h = await startHarness();
    const now = h.clock.now();
    const late = await h.post(callReceived({ from: '15550001111@c.us' }), at(now - 10 * MINUTE));
    expect(late).toMatchObject({ status: 401, json: { code: 'stale_webhook' } });
    expect((late.json as { message: string }).message).toMatch(
      /^X-Webhook-Timestamp is 6\d\ds behind this server's clock; webhooks.tolerance allows 5m$/,
    );
    const early = await h.post(callReceived({ from: '15550001111@c.us' }), at(now + 10 * MINUTE));
    expect((early.json as { message: string }).message).toMatch(/is \d+s ahead of this server's clock/);
    // Seconds where milliseconds belong are decades off, and said so in days.
    const seconds = await h.post(callReceived({ from: '15550001111@c.us' }), at(Math.floor(now / 1000)));
    expect((seconds.json as { message: string }).message).toMatch(/is \d{5}d behind/);
    expect(await countEvents(h.bridge.store.db)).toBe(0);
  });

  it('reads now from the Clock: a captured webhook replayed after retention deleted its event is refused', async () => {
    h = await startHarness();
    const body = JSON.stringify(callReceived({ from: '15550001111@c.us', callId: 'captured', clock: h.clock }));
    const replay = () => postWebhook(`${h.bridge.url}/webhooks/local`, body, { hmacKey: HMAC_KEY, ...at(sentAt) });
    const sentAt = h.clock.now();
    expect((await replay()).json).toMatchObject({ status: 'processed' });
    expect((await replay()).json).toMatchObject({ status: 'duplicate' });
    // What retention does once `keep` has passed: the row that made the replay a duplicate is gone.
    await h.bridge.store.db.deleteFrom('events').where('gateway', '=', 'local').execute();
    h.clock.advance('5m');
    h.clock.advance(1);
    const refused = await replay();
    expect(refused).toMatchObject({ status: 401, json: { code: 'stale_webhook' } });
    const stored = await h.bridge.store.db.selectFrom('events').select('id').where('gateway', '=', 'local').execute();
    expect(stored).toEqual([]);
  });

  it('within the tolerance, or absent, lets the webhook in as before', async () => {
    h = await startHarness();
    expect((await h.post(callReceived({ from: '15550001111@c.us' }), at(h.clock.now() - 4 * MINUTE))).status).toBe(200);
    // postWebhook sends the time of sending, as WAHA does.
    expect((await h.post(callReceived({ from: '15550002222@c.us' }))).status).toBe(200);
    const body = JSON.stringify(callReceived({ from: '15550003333@c.us' }));
    const none = await fetch(`${h.bridge.url}/webhooks/local`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-hmac': signWaha(body, HMAC_KEY) },
      body,
    });
    expect(none.status).toBe(200);
  });

  it('that is not a number of milliseconds is a 400 naming it', async () => {
    h = await startHarness();
    for (const value of ['yesterday', '-5', '1.5e12', `${h.clock.now()}, ${h.clock.now()}`]) {
      const res = await h.post(callReceived({ from: '15550001111@c.us' }), at(value));
      expect(res, value).toMatchObject({ status: 400, json: { code: 'invalid_timestamp' } });
      expect((res.json as { message: string }).message, value).toContain('is not a time in milliseconds');
    }
  });

  it('is checked for unsigned gateways too, and absent it is not required', async () => {
    h = await startHarness((db, url) => {
      const c = testConfig(db, url);
      c.gateways.local = { type: 'waha', url, connections: 4, timeout: 5000 };
      return c;
    });
    const post = (headers: Record<string, string>) =>
      fetch(`${h.bridge.url}/webhooks/local`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(callReceived({ from: '15550001111@c.us' })),
      });
    expect((await post({ 'x-webhook-timestamp': String(h.clock.now() - 6 * MINUTE) })).status).toBe(401);
    expect((await post({})).status).toBe(200);
  });
});
