import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimGateway, type SentText, type SimGateway } from '../../src/sim/gateway.js';
import {
  callAccepted,
  callReceived,
  messageReceived,
  postWebhook,
  signWaha,
  wahaEnvelope,
  wawpCallReceived,
  wawpCallRejected,
} from '../../src/sim/webhooks.js';

const WAWP = { instanceId: 'inst-1', accessToken: 'tok-1' };
const WAWP_AUTH = `instance_id=${WAWP.instanceId}&access_token=${WAWP.accessToken}`;

const started: SimGateway[] = [];
async function sim(opts: Parameters<typeof startSimGateway>[0] = {}): Promise<SimGateway> {
  const g = await startSimGateway(opts);
  started.push(g);
  return g;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((g) => g.close()));
});

async function call(
  g: SimGateway,
  method: string,
  path: string,
  body?: object,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown; headers: Headers }> {
  const res = await fetch(g.url + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text), headers: res.headers };
}

describe('sim gateway', () => {
  it('listens on 127.0.0.1 and records WAHA and Wawp sends', async () => {
    const g = await sim({ apiKey: 'k', wawp: WAWP });
    expect(g.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const seen: SentText[] = [];
    const off = g.onSent((s) => seen.push(s));

    const before = Date.now();
    const waha = await call(
      g,
      'POST',
      '/api/sendText',
      { session: 's1', chatId: '2222@c.us', text: 'hi' },
      { 'x-api-key': 'k' },
    );
    expect(waha.status).toBe(201);
    expect((waha.json as { id: string }).id).toMatch(/^true_2222@c\.us_[0-9A-F]+$/);

    const viaQuery = await call(g, 'POST', `/v2/send/text?${WAWP_AUTH}&chatId=3333%40c.us&message=hello%20there`);
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.json).toMatchObject({ status: 'success' });
    const viaBody = await call(g, 'POST', `/v2/send/text?${WAWP_AUTH}`, { chatId: '4444@c.us', message: 'body text' });
    expect(viaBody.status).toBe(200);

    expect(g.sent).toEqual([
      { api: 'waha', session: 's1', chatId: '2222@c.us', text: 'hi', at: expect.any(Number) },
      { api: 'wawp', instanceId: 'inst-1', chatId: '3333@c.us', text: 'hello there', at: expect.any(Number) },
      { api: 'wawp', instanceId: 'inst-1', chatId: '4444@c.us', text: 'body text', at: expect.any(Number) },
    ]);
    expect(g.sent[0]?.at).toBeGreaterThanOrEqual(before);
    expect(seen).toEqual(g.sent);
    expect(g.requests['waha.sendText']).toBe(1);
    expect(g.requests['wawp.sendText']).toBe(2);

    off();
    await call(g, 'POST', `/v2/send/text?${WAWP_AUTH}&chatId=5555%40c.us&message=x`);
    expect(seen).toHaveLength(3);
    expect(g.sent).toHaveLength(4);
  });

  it('records call rejects on both APIs', async () => {
    const g = await sim();
    expect((await call(g, 'POST', '/api/default/calls/reject', { from: '2222@c.us', id: 'C1' })).status).toBe(201);
    expect((await call(g, 'POST', '/v2/calls/reject?instance_id=i', { from: '3333@c.us', callId: 'C2' })).status).toBe(
      200,
    );
    expect((await call(g, 'POST', '/api/default/calls/reject', { from: '2222@c.us' })).status).toBe(400);
    expect(g.rejects).toEqual([
      { api: 'waha', session: 'default', from: '2222@c.us', id: 'C1', at: expect.any(Number) },
      { api: 'wawp', instanceId: 'i', from: '3333@c.us', id: 'C2', at: expect.any(Number) },
    ]);
  });

  it('enforces the WAHA api key and the Wawp instance credentials', async () => {
    const g = await sim({ apiKey: 'secret', wawp: WAWP });
    const body = { session: 'default', chatId: '2222@c.us', text: 'hi' };
    expect((await call(g, 'POST', '/api/sendText', body)).status).toBe(401);
    expect((await call(g, 'POST', '/api/sendText', body, { 'x-api-key': 'wrong' })).status).toBe(401);
    expect((await call(g, 'GET', '/api/contacts?contactId=2222&session=default')).status).toBe(401);
    expect((await call(g, 'POST', '/api/sendText', body, { 'x-api-key': 'secret' })).status).toBe(201);

    expect((await call(g, 'POST', `/v2/send/text?instance_id=inst-1&access_token=bad&chatId=1&message=x`)).status).toBe(
      401,
    );
    expect((await call(g, 'POST', `/v2/send/text?chatId=1&message=x`)).status).toBe(401);
    expect(g.sent).toHaveLength(1);
    expect(g.requests['waha.sendText']).toBe(3);
    expect(g.requests['wawp.sendText']).toBe(2);
  });

  it('looks contacts up by JID or bare number and resolves LIDs', async () => {
    const g = await sim({ wawp: WAWP });
    g.setContact('2222@c.us', { name: 'Ana Lima', pushname: 'ana' });
    g.setContact('3333', { pushname: 'Bob' });

    const byNumber = await call(g, 'GET', '/api/contacts?contactId=2222&session=default');
    expect(byNumber.status).toBe(200);
    expect(byNumber.json).toEqual({
      id: '2222@c.us',
      number: '2222',
      name: 'Ana Lima',
      pushname: 'ana',
      shortName: 'Ana',
      isMe: false,
      isGroup: false,
      isWAContact: true,
      isMyContact: true,
      isBlocked: false,
    });
    const byJid = await call(g, 'GET', '/api/contacts?contactId=3333%40c.us&session=default');
    expect(byJid.json).toMatchObject({ id: '3333@c.us', name: null, pushname: 'Bob', isMyContact: false });
    expect((await call(g, 'GET', '/api/contacts?contactId=9999&session=default')).status).toBe(404);

    const wawp = await call(g, 'GET', `/v2/contacts?${WAWP_AUTH}&contactId=2222%40c.us`);
    expect(wawp.json).toEqual({ id: '2222@c.us', number: '2222', name: 'Ana Lima', pushname: 'ana' });
    expect(g.lookups.map((l) => [l.api, l.contactId])).toEqual([
      ['waha', '2222'],
      ['waha', '3333@c.us'],
      ['waha', '9999'],
      ['wawp', '2222@c.us'],
    ]);

    g.setLid('155123@lid', '2222@c.us');
    expect((await call(g, 'GET', '/api/default/lids/155123%40lid')).json).toEqual({
      lid: '155123@lid',
      pn: '2222@c.us',
    });
    expect((await call(g, 'GET', '/api/default/lids/777')).json).toEqual({ lid: '777@lid', pn: null });
  });

  it('fails the next n calls with the given status and Retry-After', async () => {
    const g = await sim();
    g.failNext('sendText', 2, 429, { retryAfter: '3' });
    const body = { session: 'default', chatId: '2222@c.us', text: 'hi' };
    for (const path of ['/api/sendText', '/api/sendText']) {
      const res = await call(g, 'POST', path, body);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(res.json).toMatchObject({ statusCode: 429 });
    }
    const ok = await call(g, 'POST', '/api/sendText', body);
    expect(ok.status).toBe(201);
    expect(ok.headers.get('retry-after')).toBeNull();
    expect(g.sent).toHaveLength(1);
    expect(g.requests['waha.sendText']).toBe(3);

    g.failNext('contacts', 1);
    expect((await call(g, 'GET', '/api/contacts?contactId=1')).status).toBe(503);
    expect((await call(g, 'GET', '/api/contacts?contactId=1')).status).toBe(404);
  });

  it('answers 503 to sends and rejects while down, and reset() clears everything', async () => {
    const g = await sim();
    g.setDown(true);
    expect((await call(g, 'POST', '/api/sendText', { chatId: '1@c.us', text: 'x' })).status).toBe(503);
    expect((await call(g, 'POST', '/v2/calls/reject', { from: '1@c.us', callId: 'C' })).status).toBe(503);
    g.setDown(false);
    expect((await call(g, 'POST', '/api/sendText', { chatId: '1@c.us', text: 'x' })).status).toBe(201);

    g.failNext('reject', 5);
    g.setDown(true);
    g.reset();
    expect(g.sent).toEqual([]);
    expect(g.requests['waha.sendText']).toBe(0);
    expect((await call(g, 'POST', '/api/default/calls/reject', { from: '1@c.us', id: 'C' })).status).toBe(201);
  });

  it('hangs contact lookups until released, and close() still finishes promptly', async () => {
    const g = await sim();
    g.setContact('2222', { name: 'Ana' });
    g.hangContacts(true);
    const released = call(g, 'GET', '/api/contacts?contactId=2222');
    await g.waitFor((s) => s.lookups.length === 1);
    g.hangContacts(false);
    expect((await released).status).toBe(200);

    g.hangContacts(true);
    const hung = fetch(`${g.url}/api/contacts?contactId=2222`).then(
      (r) => r.status,
      (err: unknown) => err,
    );
    await g.waitFor((s) => s.lookups.length === 2);
    const t0 = Date.now();
    await g.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await hung).toBeInstanceOf(Error);
  });

  it('waitFor resolves once the predicate holds and rejects clearly on deadline', async () => {
    const g = await sim();
    const waiting = g.waitFor((s) => s.sent.length === 1, 2000);
    await call(g, 'POST', '/api/sendText', { chatId: '1@c.us', text: 'x' });
    await expect(waiting).resolves.toBeUndefined();

    const t0 = Date.now();
    await expect(g.waitFor((s) => s.sent.length === 5, 100)).rejects.toThrow(
      /condition not met within 100 ms \(sent=1, rejects=0, lookups=0\)/,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
  });
});

describe('sim webhooks', () => {
  it('signs with HMAC-SHA512 matching the WAHA test vector', () => {
    expect(signWaha('{"event":"message","session":"default","engine":"WEBJS"}', 'my-secret-key')).toBe(
      '208f8a55dde9e05519e898b10b89bf0d0b3b0fdf11fdbf09b6b90476301b98d8097c462b2b17a6ce93b6b47a136cf2e78a33a63f6752c2c1631777076153fa89',
    );
  });

  it('builds envelopes shaped like the gateway fixtures', () => {
    const env = wahaEnvelope('session.status', { status: 'WORKING' }) as Record<string, unknown>;
    expect(Object.keys(env)).toEqual([
      'id',
      'timestamp',
      'event',
      'session',
      'metadata',
      'me',
      'payload',
      'environment',
      'engine',
    ]);
    expect(env.id).toMatch(/^evt_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(Math.abs((env.timestamp as number) - Date.now())).toBeLessThan(1000);
    expect(wahaEnvelope('x', {}, { me: null, id: 'evt_fixed', engine: 'GOWS' })).toMatchObject({
      id: 'evt_fixed',
      engine: 'GOWS',
    });
    expect(wahaEnvelope('x', {}, { me: null })).not.toHaveProperty('me');

    const rec = callReceived({ from: '2222@c.us', session: 's1', isVideo: true }) as {
      session: string;
      payload: Record<string, unknown>;
    };
    expect(rec).toMatchObject({ event: 'call.received', session: 's1', engine: 'WEBJS' });
    expect(Object.keys(rec.payload)).toEqual(['id', 'from', 'timestamp', 'isVideo', 'isGroup', '_data']);
    expect(rec.payload).toMatchObject({ from: '2222@c.us', isVideo: true, isGroup: false, _data: {} });
    expect(rec.payload.id).toMatch(/^[0-9A-F]{32}$/);
    expect(Math.abs((rec.payload.timestamp as number) - Date.now() / 1000)).toBeLessThan(2);
    expect(callAccepted({ callId: 'C1' })).toMatchObject({
      event: 'call.accepted',
      engine: 'NOWEB',
      payload: { id: 'C1' },
    });

    expect(messageReceived({ from: '2222@c.us', body: 'hello' })).toMatchObject({
      event: 'message',
      payload: { from: '2222@c.us', fromMe: false, body: 'hello', to: '11111111111@c.us' },
    });
    expect(messageReceived({ from: '2222@c.us', body: 'hi', fromMe: true })).toMatchObject({
      event: 'message.any',
      payload: { from: '11111111111@c.us', to: '2222@c.us', fromMe: true },
    });

    const wawp = wawpCallReceived({ callId: 'call_1', from: '2222@c.us' }) as Record<string, unknown>;
    expect(wawp.payload).toEqual({ id: 'call_1', from: '2222@c.us', isVideo: false });
    expect(wawp).not.toHaveProperty('environment');
    expect(wawpCallRejected({ callId: 'call_1' })).toMatchObject({ event: 'call.rejected', payload: { id: 'call_1' } });
  });

  it('posts with WAHA delivery headers and a verifiable signature', async () => {
    let got: { headers: IncomingHttpHeaders; body: string } | undefined;
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        got = { headers: req.headers, body };
        if (req.url === '/text') res.writeHead(202).end('accepted');
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const env = callReceived({ from: '2222@c.us' });
      const res = await postWebhook(`http://127.0.0.1:${port}/hook`, env, {
        hmacKey: 'k',
        headers: { 'X-Extra': '1' },
      });
      expect(res).toMatchObject({ status: 200, json: { ok: true }, text: '{"ok":true}' });
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(got?.body).toBe(JSON.stringify(env));
      expect(got?.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': 'WAHA/2026.7.1',
        'x-webhook-hmac': signWaha(JSON.stringify(env), 'k'),
        'x-webhook-hmac-algorithm': 'sha512',
        'x-extra': '1',
      });
      expect(got?.headers['x-webhook-request-id']).toEqual(expect.any(String));
      expect(Number(got?.headers['x-webhook-timestamp'])).toBeGreaterThan(Date.now() - 5000);

      const unsigned = await postWebhook(`http://127.0.0.1:${port}/text`, 'not json');
      expect(unsigned).toMatchObject({ status: 202, json: undefined, text: 'accepted' });
      expect(got?.headers).not.toHaveProperty('x-webhook-hmac');
      expect(got?.body).toBe('not json');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
