import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimReceivers, type SimReceivers } from '../../src/sim/receivers.js';
import { callReceived, callRejected, messageReceived } from '../../src/sim/webhooks.js';
import { agentsConfig, eventsOf, slackTexts, verified, type CrmEvent } from '../helpers/agents.js';
import { startHarness, waitFor, type Harness } from '../helpers/harness.js';

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
