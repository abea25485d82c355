import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { streamRoutes, streamTickets } from '../../src/http/stream.js';
import { callAccepted, callReceived } from '../../src/sim/webhooks.js';
import { comparePositions, parsePosition, type FeedPosition } from '../../src/store/feedPosition.js';
import { TOKEN, startHarness, testConfig, type Harness } from '../helpers/harness.js';
import { openStream, type SseClient } from '../helpers/sse.js';

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

  it('is behind the API token as a header, or a ticket for EventSource; never the token in the URL', async () => {
    const refusal = async (url: string, headers: Record<string, string> = {}) => {
      const res = await fetch(url, { headers });
      return { status: res.status, body: (await res.json()) as { code: string; message: string } };
    };
    const stream = `${h.bridge.url}/api/stream`;
    expect(await refusal(stream)).toMatchObject({
      status: 401,
      body: { message: 'Authorization: Bearer <token>, or ?ticket= from POST /api/stream/tickets, is required' },
    });
    expect(await refusal(stream, { authorization: 'Bearer nope' })).toMatchObject({
      status: 401,
      body: { message: 'the bearer token is wrong' },
    });
    expect((await refusal(`${stream}?token=${TOKEN}`)).body.message).toMatch(/^the token is not taken in the URL/);

    const tickets = `${h.bridge.url}/api/stream/tickets`;
    expect((await fetch(tickets, { method: 'POST' })).status).toBe(401);
    const issued = await fetch(tickets, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(issued.status).toBe(201);
    const { ticket, expiresAt } = (await issued.json()) as { ticket: string; expiresAt: string };
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now() + 60_000);
    expect(ticket).not.toContain(TOKEN);

    const forged = `${ticket.split('.')[0]}.${Buffer.alloc(32).toString('base64url')}`;
    expect(await refusal(`${stream}?ticket=${forged}`)).toMatchObject({
      status: 401,
      body: { message: 'the ticket is not valid' },
    });
    for (const c of [
      await openStream(`${stream}?ticket=${encodeURIComponent(ticket)}`),
      await openStream(stream, { authorization: `Bearer ${TOKEN}` }),
    ]) {
      clients.push(c);
      expect(c.status).toBe(200);
    }
  });

  it('a ticket expires; one signed for another token is not valid', () => {
    const tickets = streamTickets(TOKEN, 60_000);
    const { ticket } = tickets.issue(1_000_000);
    expect(tickets.refuse(ticket, 1_059_999)).toBeNull();
    expect(tickets.refuse(ticket, 1_060_000)).toMatch(/^the ticket has expired/);
    expect(streamTickets('another-token-0123456789', 60_000).refuse(ticket, 1_000_000)).toBe('the ticket is not valid');
    expect(tickets.refuse('garbage', 1_000_000)).toBe('the ticket is not valid');
  });

  it('streams each call change as the call summary of GET /api/calls: ringing, redirect sent, answered', async () => {
    const c = await connect();
    await c.waitFor('the initial position', (s) => s.lastEventId !== undefined);
    await h.post(callReceived({ from: '22222222222@c.us', callId: 'live-1' }));
    await c.waitFor('the ringing call', (s) => s.calls().some((x) => x.callId === 'live-1' && x.status === 'ringing'));
    await c.waitFor('the redirect marked sent', (s) =>
      s.calls().some((x) => x.callId === 'live-1' && x.redirect.status === 'sent'),
    );
    await h.post(callAccepted({ from: '22222222222@c.us', callId: 'live-1' }));
    const answered = await c.waitFor('the answered call', (s) =>
      s.calls().find((x) => x.callId === 'live-1' && x.status === 'answered'),
    );
    const { body } = await h.api<{ calls: unknown[] }>('/api/calls');
    expect(answered).toEqual(body.calls[0]);
    const positions = c.events.map((e) => parsePosition(e.id!));
    expect(positions).not.toContain(null);
    // Strictly increasing: in feed order, none twice.
    const increasing = (p: FeedPosition | null, i: number) => i === 0 || comparePositions(positions[i - 1]!, p!) < 0;
    expect(positions.every(increasing)).toBe(true);
  });

  it('resumes after Last-Event-ID with the changes missed while disconnected, and nothing before', async () => {
    const first = await connect();
    await h.post(callReceived({ from: '33333333333@c.us', callId: 'before' }));
    await first.waitFor('the first call', (s) => s.calls().some((x) => x.callId === 'before'));
    await h.settled();
    await first.waitFor('the redirect of the first call', (s) =>
      s.calls().some((x) => x.callId === 'before' && x.redirect.status === 'sent'),
    );
    const resumeFrom = first.lastEventId!;
    first.close();

    await h.post(callReceived({ from: '44444444444@c.us', callId: 'missed-1' }));
    await h.post(callReceived({ from: '55555555555@c.us', callId: 'missed-2' }));
    const again = await connect({ 'last-event-id': resumeFrom });
    await again.waitFor('both missed calls', (s) =>
      ['missed-1', 'missed-2'].every((id) => s.calls().some((x) => x.callId === id)),
    );
    expect(again.calls().some((x) => x.callId === 'before')).toBe(false);
    expect(comparePositions(parsePosition(again.events[0]!.id!)!, parsePosition(resumeFrom)!)).toBeGreaterThan(0);
  });

  it('ends open streams on shutdown, so the server stops and clients reconnect elsewhere', async () => {
    const c = await connect();
    await c.waitFor('the stream to start', (x) => x.lastEventId !== undefined);
    await h.bridge.close();
    await c.waitFor('the stream to end', (x) => x.ended);
  });

  it('answers a malformed Last-Event-ID with 400, naming the header', async () => {
    for (const bad of ['abc', '12-', '1-2-3']) {
      const res = await fetch(`${h.bridge.url}/api/stream`, {
        headers: { authorization: `Bearer ${TOKEN}`, 'last-event-id': bad },
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        code: 'invalid_request',
        message: expect.stringMatching(/last-event-id/),
      });
    }
  });

  it('takes both forms of Last-Event-ID: a bare id (SQLite, earlier versions) and <tx>-<id>', async () => {
    await h.post(callReceived({ from: '66666666666@c.us', callId: 'both-forms' }));
    await h.settled();
    for (const position of ['0', '0-0']) {
      const c = await connect({ 'last-event-id': position });
      expect(c.status).toBe(200);
      await c.waitFor('the replayed call', (s) => s.calls().some((x) => x.callId === 'both-forms'));
    }
  });

  it('sends heartbeat comments on an idle stream', async () => {
    const app = Fastify();
    await app.register(streamRoutes, { feed: h.bridge.feed, heartbeatMs: 20 });
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
