import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { streamRoutes } from '../src/http/stream.js';
import { callAccepted, callReceived } from '../src/sim/webhooks.js';
import { TOKEN, startHarness, testConfig, type Harness } from './helpers/harness.js';
import { openStream, type SseClient } from './helpers/sse.js';

describe('the live feed, GET /api/stream (SQLite, one process)', () => {
  let h: Harness;
  const clients: SseClient[] = [];
  const connect = async (headers: Record<string, string> = {}, query = '') => {
    const c = await openStream(`${h.bridge.url}/api/stream${query}`, { authorization: `Bearer ${TOKEN}`, ...headers });
    clients.push(c);
    return c;
  };
  beforeEach(async () => {
    // A ring timeout far away, so no call changes on its own while a test counts changes.
    h = await startHarness((db, gw) => {
      const config = testConfig(db, gw);
      config.sessions.default!.ringTimeout = 60_000;
      return config;
    });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await h.close();
  });

  it('is behind the API token, which EventSource may pass as ?token=', async () => {
    expect((await openStream(`${h.bridge.url}/api/stream`)).status).toBe(401);
    expect((await openStream(`${h.bridge.url}/api/stream?token=wrong-token-0123456789`)).status).toBe(401);
    expect((await openStream(`${h.bridge.url}/api/stream`, { authorization: 'Bearer nope' })).status).toBe(401);
    const viaQuery = await openStream(`${h.bridge.url}/api/stream?token=${TOKEN}`);
    clients.push(viaQuery);
    expect(viaQuery.status).toBe(200);
  });

  it('streams each call change as the call summary of GET /api/calls: ringing, redirect sent, answered', async () => {
    const c = await connect();
    await c.waitFor('the initial position', (s) => s.lastEventId !== undefined);
    await h.post(callReceived({ from: '22222222222@c.us', callId: 'live-1' }));
    await c.waitFor('the ringing call', (s) => s.calls().some((x) => x.callId === 'live-1' && x.status === 'ringing'));
    await c.waitFor('the redirect marked sent', (s) => s.calls().some((x) => x.callId === 'live-1' && x.redirect.status === 'sent'));
    await h.post(callAccepted({ from: '22222222222@c.us', callId: 'live-1' }));
    const answered = await c.waitFor('the answered call', (s) => s.calls().find((x) => x.callId === 'live-1' && x.status === 'answered'));
    const { body } = await h.api<{ calls: unknown[] }>('/api/calls');
    expect(answered).toEqual(body.calls[0]);
    const ids = c.events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resumes after Last-Event-ID with the changes missed while disconnected, and nothing before', async () => {
    const first = await connect();
    await h.post(callReceived({ from: '33333333333@c.us', callId: 'before' }));
    await first.waitFor('the first call', (s) => s.calls().some((x) => x.callId === 'before'));
    await h.settled();
    await first.waitFor('the redirect of the first call', (s) => s.calls().some((x) => x.callId === 'before' && x.redirect.status === 'sent'));
    const resumeFrom = first.lastEventId!;
    first.close();

    await h.post(callReceived({ from: '44444444444@c.us', callId: 'missed-1' }));
    await h.post(callReceived({ from: '55555555555@c.us', callId: 'missed-2' }));
    const again = await connect({ 'last-event-id': resumeFrom });
    await again.waitFor('both missed calls', (s) => ['missed-1', 'missed-2'].every((id) => s.calls().some((x) => x.callId === id)));
    expect(again.calls().some((x) => x.callId === 'before')).toBe(false);
    expect(Number(again.events[0]!.id)).toBeGreaterThan(Number(resumeFrom));
  });

  it('ends open streams on shutdown, so the server stops and clients reconnect elsewhere', async () => {
    const c = await connect();
    await c.waitFor('the stream to start', (x) => x.lastEventId !== undefined);
    await h.bridge.close();
    await c.waitFor('the stream to end', (x) => x.ended);
  });

  it('answers a malformed Last-Event-ID with 400', async () => {
    const c = await connect({ 'last-event-id': 'abc' });
    expect(c.status).toBe(400);
  });

  it('sends heartbeat comments on an idle stream', async () => {
    const app = Fastify();
    await app.register(streamRoutes, { feed: h.bridge.feed, token: undefined, heartbeatMs: 20 });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const c = await openStream(`${url}/api/stream`);
      clients.push(c);
      await c.waitFor('two heartbeats', (s) => s.comments.filter((x) => x === 'heartbeat').length >= 2);
      c.close();
    } finally {
      await app.close();
    }
  });
});
