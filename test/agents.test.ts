import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../src/config/index.js';
import { startSimReceivers, type Received, type SimReceivers } from '../src/sim/receivers.js';
import { callReceived, callRejected, messageReceived } from '../src/sim/webhooks.js';
import { startHarness, testConfig, waitFor, type Harness } from './helpers/harness.js';

const SECRET = `whsec_${Buffer.from('a-crm-signing-secret-of-32-bytes').toString('base64')}`;

interface CrmEvent {
  type: string;
  timestamp: string;
  data: {
    session: string;
    callId: string | null;
    caller: string | null;
    name: string | null;
    reason: string;
    priority: string | null;
    message: { text: string } | null;
  };
}

const eventsOf = (r: SimReceivers, type?: string) =>
  r.events.map((e) => e.json as CrmEvent).filter((e) => type === undefined || e.type === type);
const slackTexts = (r: SimReceivers) => r.slack.map((s) => (s.json as { text: string }).text);

/** Verifies with the reference implementation of Standard Webhooks, not ours. */
function verified(e: Received): unknown {
  return new Webhook(SECRET).verify(e.raw, {
    'webhook-id': e.headers['webhook-id']!,
    'webhook-timestamp': e.headers['webhook-timestamp']!,
    'webhook-signature': e.headers['webhook-signature']!,
  });
}

function agentsConfig(r: SimReceivers, tweak: (c: Config) => void = () => {}) {
  return (db: string, url: string) => {
    const c = testConfig(db, url);
    c.http.publicUrl = 'https://callbridge.example';
    c.alerts = {
      slack: { webhookUrl: `${r.url}/slack` },
      webhook: { url: `${r.url}/crm/events`, secret: SECRET, expireAfter: 60_000 },
    };
    const s = c.sessions.default!;
    s.vip.numbers = ['15550001111@c.us'];
    s.welcome.enabled = true;
    tweak(c);
    return c;
  };
}

describe('agents in the loop', () => {
  let r: SimReceivers;
  let h: Harness;
  beforeEach(async () => {
    r = await startSimReceivers();
  });
  afterEach(async () => {
    await h.close();
    await r.close();
  });

  it('a VIP call reaches a person: no redirect, a Slack VIP alert and a signed call.vip event', async () => {
    h = await startHarness(agentsConfig(r));
    h.gateway.setContact('15550001111', { pushname: 'Victoria' });
    await h.post(callReceived({ from: '15550001111@c.us', callId: 'vip-1' }));
    await r.waitFor('the VIP alert', () => r.slack.length === 1 && eventsOf(r, 'call.vip').length === 1);
    expect(slackTexts(r)[0]).toBe(':star: VIP Victoria (+15550001111) is calling the WhatsApp line');
    const blocks = JSON.stringify((r.slack[0]!.json as { blocks: unknown }).blocks);
    expect(blocks).toContain('https://callbridge.example/?session=default&caller=15550001111%40c.us');
    const vip = r.events.find((e) => (e.json as CrmEvent).type === 'call.vip')!;
    expect(verified(vip)).toMatchObject({
      type: 'call.vip',
      data: { session: 'default', callId: 'vip-1', caller: '15550001111@c.us', name: 'Victoria' },
    });
    await h.settled();
    expect(h.gateway.sent).toHaveLength(0);
    const { body } = await h.api<{ calls: Array<{ isVip: boolean; redirect: { status: string } }> }>('/api/calls');
    expect(body.calls[0]).toMatchObject({ isVip: true, redirect: { status: 'skipped:vip' } });
  });

  it('a missed call alerts Slack and sends call.missed; a rejected one sends call.rejected and no missed alert', async () => {
    h = await startHarness(agentsConfig(r));
    await h.post(callReceived({ from: '15550002222@c.us', callId: 'gone' }));
    await h.post(callReceived({ from: '15550003333@c.us', callId: 'refused' }));
    await h.post(callRejected({ callId: 'refused', from: '15550003333@c.us' }));
    h.clock.advance('1s');
    await r.waitFor('the missed alert', () => eventsOf(r, 'call.missed').length === 1 && r.slack.length === 1);
    expect(slackTexts(r)).toEqual([':telephone_receiver: Missed voice call from +15550002222']);
    expect(eventsOf(r, 'call.missed')[0]!.data).toMatchObject({
      callId: 'gone',
      reason: expect.stringMatching(/^nobody answered within \d+s$/),
    });
    expect(eventsOf(r, 'call.rejected').map((e) => e.data.callId)).toEqual(['refused']);
    expect(await h.pendingTimers()).toBe(0);
    await h.settled();
    expect(eventsOf(r, 'call.missed')).toHaveLength(1);
    expect(
      eventsOf(r, 'call.received')
        .map((e) => e.data.callId)
        .sort(),
    ).toEqual(['gone', 'refused']);
    expect(eventsOf(r, 'call.redirected')).toHaveLength(2);
  });

  it('five calls in the window raise one caller.stressed; the next text escalates once, with its text', async () => {
    h = await startHarness(agentsConfig(r, (c) => (c.sessions.default!.ringTimeout = 60_000)));
    const from = '15550004444@c.us';
    for (let i = 1; i <= 6; i++) await h.post(callReceived({ from, callId: `again-${i}` }));
    await r.waitFor(
      'caller.stressed on both channels',
      () => eventsOf(r, 'caller.stressed').length === 1 && r.slack.length === 1,
    );
    const stressed = eventsOf(r, 'caller.stressed')[0]!;
    expect(stressed.data).toMatchObject({ caller: from, callId: 'again-5' });
    expect(slackTexts(r)).toEqual([':warning: +15550004444 keeps calling (5 calls)']);

    const caller = await h.api<{ level: string; callsInWindow: number; escalation: { pending: boolean } }>(
      `/api/callers/default/${from}`,
    );
    expect(caller.body).toMatchObject({ level: 'stressed', callsInWindow: 6, escalation: { pending: true } });
    const listed = await h.api<{ callers: Array<{ caller: string }> }>('/api/callers?level=stressed');
    expect(listed.body.callers.map((c) => c.caller)).toEqual([from]);

    await h.post(messageReceived({ from, body: 'Please call me back, the machine is smoking' }));
    await r.waitFor(
      'chat.escalated on both channels',
      () => eventsOf(r, 'chat.escalated').length === 1 && r.slack.length === 2,
    );
    expect(eventsOf(r, 'chat.escalated')[0]!.data).toMatchObject({
      priority: 'P1',
      message: { text: 'Please call me back, the machine is smoking' },
    });
    expect(slackTexts(r).at(-1)).toBe(':rotating_light: Priority 1: +15550004444 wrote after calling repeatedly');

    await h.post(messageReceived({ from, body: 'hello?' }));
    await h.settled();
    expect(eventsOf(r, 'chat.escalated')).toHaveLength(1);
    expect(eventsOf(r, 'caller.stressed')).toHaveLength(1);
    expect(
      (await h.api<{ escalation: { pending: boolean } }>(`/api/callers/default/${from}`)).body.escalation.pending,
    ).toBe(false);
  });

  it('a CRM down for a while gets every event after it recovers, none twice', async () => {
    h = await startHarness(agentsConfig(r));
    r.setDown('events', true);
    for (let i = 1; i <= 5; i++) await h.post(callReceived({ from: `1555100000${i}@c.us`, callId: `down-${i}` }));
    // The five redirects sent, and each call's received and redirected events refused.
    await waitFor('the attempts recorded', async () => (await h.attempts()) === 15);
    expect(r.eventAttempts).toBe(10);
    expect(r.events).toHaveLength(0);
    r.setDown('events', false);
    // Each call: received, redirected, and missed at the end of its 1s ring; the retries are due by then.
    h.clock.advance('1s');
    await r.waitFor('all events after recovery', () => eventsOf(r).length >= 15);
    await h.settled();
    const ids = r.events.map((e) => e.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      eventsOf(r, 'call.received')
        .map((e) => e.data.callId)
        .sort(),
    ).toEqual(['down-1', 'down-2', 'down-3', 'down-4', 'down-5']);
    expect(eventsOf(r, 'call.missed')).toHaveLength(5);
    for (const e of r.events) expect(verified(e)).toBeTruthy();
  });

  it('signatures verify with the standard algorithm and fail on a tampered body', async () => {
    h = await startHarness(agentsConfig(r));
    await h.post(callReceived({ from: '15550005555@c.us', callId: 'signed' }));
    await r.waitFor('an event', () => r.events.length >= 1);
    const e = r.events[0]!;
    expect(e.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verified(e)).toMatchObject({ type: 'call.received' });
    expect(() => verified({ ...e, raw: e.raw.replace('signed', 'forged') })).toThrow();
    expect(() =>
      new Webhook(`whsec_${Buffer.from('some-other-secret-entirely-here!').toString('base64')}`).verify(
        e.raw,
        e.headers as Record<string, string>,
      ),
    ).toThrow();
  });

  it('a repeat caller after the debounce window gets the firmer repeat text', async () => {
    h = await startHarness(agentsConfig(r, (c) => (c.sessions.default!.redirect.debounce = 300)));
    const from = '15550006666@c.us';
    await h.post(callReceived({ from, callId: 'first' }));
    await h.gateway.waitFor((g) => g.sent.length === 1);
    // The 300ms debounce window is over:
    h.clock.advance('300ms');
    await h.post(callReceived({ from, callId: 'second' }));
    await h.gateway.waitFor((g) => g.sent.length === 2);
    expect(h.gateway.sent[0]!.text).toMatch(/^Hi! We saw you trying to call/);
    expect(h.gateway.sent[1]!.text).toBe(
      "Hi, this number doesn't take calls, but we're right here in chat. Please write your question and we'll answer it here.",
    );
  });

  it('welcomes a new chat once, and not again within welcome.every', async () => {
    h = await startHarness(agentsConfig(r));
    const from = '15550007777@c.us';
    h.gateway.setContact(from, { pushname: 'Wendy' });
    await h.post(messageReceived({ from, body: 'hi' }));
    await h.gateway.waitFor((g) => g.sent.length === 1);
    expect(h.gateway.sent[0]).toMatchObject({
      chatId: from,
      text: 'Hi Wendy! Thanks for your message. This number answers in chat, not by phone: write to us here any time.',
    });
    await h.post(messageReceived({ from, body: 'anyone?' }));
    await h.post(messageReceived({ from, body: 'hello' }));
    await h.settled();
    expect(h.gateway.sent).toHaveLength(1);
    // The business's own messages never trigger anything.
    await h.post(messageReceived({ from: '15550008888@c.us', body: 'our reply', fromMe: true }));
    await h.settled();
    expect(h.gateway.sent).toHaveLength(1);
  });

  it('records the call-to-chat conversion when the redirected caller writes', async () => {
    h = await startHarness(agentsConfig(r));
    const from = '15550009999@c.us';
    await h.post(callReceived({ from, callId: 'convert-me' }));
    await h.gateway.waitFor((g) => g.sent.length === 1);
    await waitFor('the redirect recorded as sent', async () => {
      const { body } = await h.api<{ calls: Array<{ redirect: { sentAt: string | null } }> }>('/api/calls');
      return body.calls[0]!.redirect.sentAt !== null;
    });
    await h.post(messageReceived({ from, body: 'ok, writing instead' }));
    const { body } = await h.api<{
      calls: Array<{ callId: string; conversion: { seconds: number; at: string } | null }>;
    }>('/api/calls');
    expect(body.calls[0]).toMatchObject({ callId: 'convert-me', conversion: { seconds: expect.any(Number) } });
    const caller = await h.api<{ conversions: Array<{ callId: string; seconds: number }> }>(
      `/api/callers/default/${from}`,
    );
    expect(caller.body.conversions.map((c) => c.callId)).toEqual(['convert-me']);
    // A redirected caller writing is no new chat: no welcome on top of the redirect.
    await h.settled();
    expect(h.gateway.sent).toHaveLength(1);
  });
});

describe('the CRM lookup', () => {
  let r: SimReceivers;
  let h: Harness;
  beforeEach(async () => {
    r = await startSimReceivers();
    h = await startHarness(
      agentsConfig(r, (c) => {
        c.crm = { lookup: { url: `${r.url}/crm/lookup`, timeout: 300, cacheTtl: 60_000 } };
      }),
    );
  });
  afterEach(async () => {
    await h.close();
    await r.close();
  });

  it('a caller the CRM marks VIP makes a VIP call, named as the CRM knows them', async () => {
    r.setProfile('15552220000', { name: 'Mr. Key Account', vip: true, tier: 'gold', tags: ['enterprise'] });
    await h.post(callReceived({ from: '15552220000@c.us', callId: 'crm-vip' }));
    await r.waitFor('the VIP alert', () => eventsOf(r, 'call.vip').length === 1);
    expect(r.lookups[0]).toEqual({ number: '15552220000', chatId: '15552220000@c.us', session: 'default' });
    expect(eventsOf(r, 'call.vip')[0]!.data).toMatchObject({
      name: 'Mr. Key Account',
      profile: { tier: 'gold', tags: ['enterprise'] },
    });
    await h.settled();
    expect(h.gateway.sent).toHaveLength(0);
  });

  it('greets by the CRM name when the CRM knows the caller', async () => {
    r.setProfile('15552221111', { name: 'Jonathan' });
    h.gateway.setContact('15552221111', { pushname: 'jj' });
    await h.post(callReceived({ from: '15552221111@c.us' }));
    await h.gateway.waitFor((g) => g.sent.length === 1);
    expect(h.gateway.sent[0]!.text).toMatch(/^Hi Jonathan! /);
  });

  it('a CRM that hangs changes nothing but the missing name', async () => {
    r.hangLookups(true);
    await h.post(callReceived({ from: '15552223333@c.us', callId: 'crm-hang' }));
    await h.gateway.waitFor((g) => g.sent.length === 1);
    expect(h.gateway.sent[0]!.text).toMatch(/^Hi! We saw you trying to call/);
    const { body } = await h.api<{ calls: Array<{ isVip: boolean; redirect: { status: string } }> }>('/api/calls');
    expect(body.calls[0]!.isVip).toBe(false);
    r.hangLookups(false);
  });

  it('holds a webhook for its budget; a shutdown meanwhile answers it 200, stores it, and it is acted on after the restart', async () => {
    // The CRM holds the webhook for its 300ms budget: the shutdown starts while it is in flight.
    r.hangLookups(true);
    const inFlight = h.post(callReceived({ from: '15552224444@c.us', callId: 'in-flight' }));
    await r.waitFor('the CRM lookup', () => r.lookups.length === 1);
    const closing = h.bridge.close();
    expect((await inFlight).status).toBe(200);
    await closing;
    r.hangLookups(false);
    await h.restart();
    const { body } = await h.api<{ calls: Array<{ callId: string }> }>('/api/calls');
    expect(body.calls.map((c) => c.callId)).toEqual(['in-flight']);
    await h.gateway.waitFor((g) => g.sent.length === 1);
  });
});

describe('VIPs managed at run time', () => {
  let r: SimReceivers;
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await r.close();
  });

  it('adds, lists and removes VIPs in any spelling, and a VIP added is a VIP call', async () => {
    r = await startSimReceivers();
    h = await startHarness(agentsConfig(r));
    const call = (path: string, method: string, body?: unknown) =>
      fetch(`${h.bridge.url}${path}`, {
        method,
        headers: {
          authorization: 'Bearer test-token-0123456789',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
    const added = await call('/api/sessions/default/vips', 'POST', { number: '+1 555-000 2020', name: 'Dana' });
    expect(added.status).toBe(201);
    expect(await added.json()).toEqual({
      number: '15550002020',
      caller: '15550002020@c.us',
      name: 'Dana',
      source: 'api',
    });
    const list = (await (await call('/api/sessions/default/vips', 'GET')).json()) as {
      vips: Array<{ caller: string; source: string }>;
    };
    expect(list.vips.map((v) => [v.caller, v.source])).toEqual([
      ['15550001111@c.us', 'config'],
      ['15550002020@c.us', 'api'],
    ]);

    await h.post(callReceived({ from: '15550002020@c.us', callId: 'new-vip' }));
    await r.waitFor('the VIP alert', () => eventsOf(r, 'call.vip').length === 1);
    expect(eventsOf(r, 'call.vip')[0]!.data.name).toBe('Dana');

    expect((await call('/api/sessions/default/vips/15550002020@c.us', 'DELETE')).status).toBe(204);
    expect((await call('/api/sessions/default/vips/15550002020', 'DELETE')).status).toBe(404);
    expect((await call('/api/sessions/default/vips/15550001111', 'DELETE')).status).toBe(409);
    expect((await call('/api/sessions/nope/vips', 'GET')).status).toBe(404);
    const bad = await call('/api/sessions/default/vips', 'POST', { number: 'boss' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('body/number');
    expect((await call('/api/sessions/default/vips', 'POST', { name: 'x' })).status).toBe(400);

    // Persisted: still a VIP list after a restart, and still gone once deleted.
    await call('/api/sessions/default/vips', 'POST', { number: '15550003030' });
    await h.restart();
    const after = (await (await call('/api/sessions/default/vips', 'GET')).json()) as {
      vips: Array<{ caller: string }>;
    };
    expect(after.vips.map((v) => v.caller)).toEqual(['15550001111@c.us', '15550003030@c.us']);
  });
});

describe('alert routing per session', () => {
  let r: SimReceivers;
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await r.close();
  });

  it('sends each kind only to the channels the session names', async () => {
    r = await startSimReceivers();
    h = await startHarness(
      agentsConfig(r, (c) => {
        c.sessions.default!.alerts = { slack: ['missed'], webhook: ['vip'], chatwoot: [] };
      }),
    );
    await h.post(callReceived({ from: '15550001111@c.us', callId: 'routed-vip' }));
    h.clock.advance('1s');
    await r.waitFor(
      'the VIP event and the missed Slack alert',
      () => eventsOf(r, 'call.vip').length === 1 && r.slack.length === 1,
    );
    await h.settled();
    // The VIP went to the CRM only; its missed call to Slack only; nothing else anywhere.
    expect(eventsOf(r).map((e) => e.type)).toEqual(['call.vip']);
    expect(slackTexts(r)).toEqual([':telephone_receiver: Missed voice call from +15550001111']);
  });

  it('routes nothing to a channel that is not configured', async () => {
    r = await startSimReceivers();
    h = await startHarness(
      agentsConfig(r, (c) => {
        c.alerts = { webhook: c.alerts.webhook };
      }),
    );
    await h.post(callReceived({ from: '15550001111@c.us', callId: 'no-slack' }));
    await r.waitFor('the VIP event', () => eventsOf(r, 'call.vip').length === 1);
    await h.settled();
    const { body } = await h.api<{ calls: Array<{ id: number }> }>('/api/calls');
    const detail = await h.api<{ actions: Array<{ kind: string; payload: { channel?: string } }> }>(
      `/api/calls/${body.calls[0]!.id}`,
    );
    expect(detail.body.actions.map((a) => a.payload.channel)).not.toContain('slack');
    expect(r.slack).toHaveLength(0);
  });
});
