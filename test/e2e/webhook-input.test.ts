import { afterEach, describe, expect, it } from 'vitest';
import { callReceived, signWaha, wahaEnvelope } from '../../src/sim/webhooks.js';
import { HMAC_KEY, startHarness, useHarness, testConfig, type Harness } from '../helpers/harness.js';
import { countEvents } from '../../src/store/events.js';
import { readFileSync } from 'node:fs';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

async function rawPost(h: Harness, body: string, headers: Record<string, string> = {}, gateway = 'local') {
  const res = await fetch(`${h.bridge.url}/webhooks/${gateway}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-hmac': signWaha(body, HMAC_KEY), ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as { statusCode: number; code: string; message: string } };
}

describe('webhook input', () => {
  const h = useHarness();

  it('accepts the real WAHA fixtures', async () => {
    for (const name of ['call.received', 'call.received.lid', 'call.accepted', 'call.rejected', 'message']) {
      const res = await rawPost(h, fixture(`waha/${name}.json`));
      expect(res.status, name).toBe(200);
    }
    await h.gateway.waitFor((g) => g.sent.length === 2);
    // The LID caller is answered on its LID: the gateway delivers to it even without a phone number.
    expect(h.gateway.sent.map((s) => s.chatId).sort()).toEqual(['155123456789012@lid', '22222222222@c.us']);
  });

  it('rejects a missing or wrong signature with 401 and stores nothing', async () => {
    const body = JSON.stringify(callReceived({ from: '20000000001@c.us' }));
    const wrong = await rawPost(h, body, { 'x-webhook-hmac': signWaha(body, 'not-the-key') });
    expect(wrong).toMatchObject({
      status: 401,
      body: { code: 'bad_signature', message: 'X-Webhook-Hmac does not match the body' },
    });
    const res = await fetch(`${h.bridge.url}/webhooks/local`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toBe('X-Webhook-Hmac header is missing');
    const tampered = await rawPost(h, body.replace('20000000001', '20000000002'), {
      'x-webhook-hmac': signWaha(body, HMAC_KEY),
    });
    expect(tampered.status).toBe(401);
    expect(await countEvents(h.bridge.store.db)).toBe(0);
  });

  it('answers malformed JSON with 400 naming the problem', async () => {
    const res = await rawPost(h, '{"id": "evt_1", "event": ');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'malformed_json' });
    expect(res.body.message).toMatch(/^the body is not valid JSON/);
    expect((await rawPost(h, '')).body.message).toBe('the body is empty');
  });

  it('answers wrong types and missing fields with 400 naming the field', async () => {
    const wrongType = wahaEnvelope('call.received', { id: 42, from: '15550000002@c.us' });
    const res = await rawPost(h, JSON.stringify(wrongType));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^payload\.id: /);
    const noSession = {
      ...(wahaEnvelope('call.received', { id: 'x', from: '15550000002@c.us' }) as object),
      session: undefined,
    };
    expect((await rawPost(h, JSON.stringify(noSession))).body.message).toMatch(/^session: /);
    const notObject = await rawPost(h, '[1,2]');
    expect(notObject.status).toBe(400);
    const badVideo = wahaEnvelope('call.received', { id: 'x', from: '15550000002@c.us', isVideo: 'yes' });
    expect((await rawPost(h, JSON.stringify(badVideo))).body.message).toMatch(/^payload\.isVideo: /);
    expect(await countEvents(h.bridge.store.db)).toBe(0);
  });

  it('answers a body over the limit with 413', async () => {
    const huge = JSON.stringify(callReceived({ from: '20000000003@c.us' })).replace(
      '"_data":{}',
      `"_data":{"pad":"${'x'.repeat(300 * 1024)}"}`,
    );
    const res = await rawPost(h, huge);
    expect(res.status).toBe(413);
    expect(res.body.statusCode).toBe(413);
  });

  it('answers an unknown gateway with 404, naming none of the configured ones', async () => {
    const res = await rawPost(h, JSON.stringify(callReceived({ from: '15550000002@c.us' })), {}, 'nope');
    expect(res).toMatchObject({
      status: 404,
      body: { code: 'unknown_gateway', message: 'there is no gateway named "nope"' },
    });
    expect(JSON.stringify(res.body)).not.toContain('local');
  });

  it('records an unknown session with a 2xx and acts on nothing', async () => {
    const res = await h.post(callReceived({ session: 'someone-else', from: '20000000004@c.us' }));
    expect(res).toMatchObject({ status: 200, json: { status: 'unknown_session' } });
    expect(await countEvents(h.bridge.store.db)).toBe(1);
    await h.settled();
    expect(h.gateway.sent).toHaveLength(0);
  });

  it('acknowledges events it does not act on', async () => {
    const res = await h.post(wahaEnvelope('session.status', { status: 'WORKING' }));
    expect(res).toMatchObject({ status: 200, json: { status: 'ignored' } });
    const ack = await h.post(wahaEnvelope('message.ack', { id: 'm1', ack: 3 }));
    expect(ack.status).toBe(200);
  });

  it('keeps serving after a burst of bad input', async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => rawPost(h, `{"broken": ${i}`)));
    const ok = await h.post(callReceived({ from: '20000000005@c.us' }));
    expect(ok.status).toBe(200);
    const health = await fetch(`${h.bridge.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', database: h.bridge.store.dialect });
  });
});

describe('a gateway without an HMAC key', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('accepts unsigned webhooks', async () => {
    h = await startHarness((db, url) => {
      const c = testConfig(db, url);
      c.gateways.local = { type: 'waha', url, apiKey: 'test-api-key', connections: 4, timeout: 5000 };
      return c;
    });
    const res = await fetch(`${h.bridge.url}/webhooks/local`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(callReceived({ from: '20000000006@c.us' })),
    });
    expect(res.status).toBe(200);
  });
});
