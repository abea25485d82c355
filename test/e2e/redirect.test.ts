import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { startSimGateway, type SimGateway } from '../../src/sim/gateway.js';
import { callReceived } from '../../src/sim/webhooks.js';
import {
  API_KEY,
  HMAC_KEY,
  TOKEN,
  startHarness,
  useHarness,
  testConfig,
  waitFor,
  type Harness,
} from '../helpers/harness.js';

interface CallsBody {
  calls: Array<{ callId: string; session: string; status: string; redirect: { status: string } }>;
}

describe('the redirect', () => {
  const h = useHarness();

  it('answers a voice call in chat, by name, through the session gateway', async () => {
    h.gateway.setContact('22222222222@c.us', { pushname: 'John', name: 'John Smith' });
    const res = await h.post(callReceived({ from: '22222222222@c.us', callId: 'call-1' }));
    expect(res.status).toBe(200);
    await h.gateway.waitFor((g) => g.sent.length === 1);
    expect(h.gateway.sent[0]).toMatchObject({
      api: 'waha',
      session: 'default',
      chatId: '22222222222@c.us',
      text: 'Hi John! We saw you trying to call. We answer fastest here in chat: how can we help?',
    });
    const { body } = await h.api<CallsBody>('/api/calls');
    await waitFor(
      'redirect marked sent',
      async () => (await h.api<CallsBody>('/api/calls')).body.calls[0]?.redirect.status === 'sent',
    );
    expect(body.calls[0]).toMatchObject({ callId: 'call-1', status: 'ringing' });
  });

  it('uses the video template for a video call', async () => {
    h.gateway.setContact('33333333333', { name: 'Ana Lima' });
    await h.post(callReceived({ from: '33333333333@c.us', isVideo: true }));
    await h.gateway.waitFor((g) => g.sent.length === 1);
    expect(h.gateway.sent[0]!.text).toBe(
      "Hi Ana Lima! Video calls aren't answered here. Send us photos or a short video of the issue and we'll take it from there.",
    );
  });

  it('does not wait for a contact lookup that hangs: greets without the name within the budget', async () => {
    h.gateway.setContact('44444444444', { pushname: 'Slow' });
    h.gateway.hangContacts(true);
    await h.post(callReceived({ from: '44444444444@c.us' }));
    // The budget is 300ms; a hung lookup must not hold the redirect for the gateway's 10s timeout,
    // and waitFor gives up after 5s.
    await h.gateway.waitFor((g) => g.sent.length === 1, 5000);
    expect(h.gateway.sent[0]!.text).toBe(
      'Hi! We saw you trying to call. We answer fastest here in chat: how can we help?',
    );
  });

  it('falls back without the name when the lookup fails', async () => {
    h.gateway.failNext('contacts', 1, 500);
    await h.post(callReceived({ from: '45454545454@c.us' }));
    await h.gateway.waitFor((g) => g.sent.length === 1);
    expect(h.gateway.sent[0]!.text.startsWith('Hi! We saw you')).toBe(true);
  });

  it('acknowledges a duplicate delivery and acts on it once', async () => {
    const event = callReceived({ from: '55555555555@c.us', callId: 'dup-call' });
    const first = await h.post(event);
    const second = await h.post(event);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.json).toMatchObject({ status: 'duplicate' });
    await h.gateway.waitFor((g) => g.sent.length === 1);
    const { body } = await h.api<CallsBody>('/api/calls');
    expect(body.calls).toHaveLength(1);
    await h.settled();
    expect(h.gateway.sent).toHaveLength(1);
  });

  it('debounces: concurrent rings with new call ids from one caller send one message', async () => {
    const from = '66666666666@c.us';
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => h.post(callReceived({ from, callId: `burst-${i}` }))),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    await h.gateway.waitFor((g) => g.sent.length >= 1);
    const { body } = await h.api<CallsBody>('/api/calls?caller=66666666666');
    expect(body.calls).toHaveLength(8);
    await h.settled();
    const statuses = (await h.api<CallsBody>('/api/calls?caller=66666666666')).body.calls
      .map((c) => c.redirect.status)
      .sort();
    expect(statuses).toEqual(['sent', ...Array(7).fill('skipped:debounced')]);
    expect(h.gateway.sent.filter((s) => s.chatId === from)).toHaveLength(1);
  });

  it('skips group calls and calls the business makes, but records them', async () => {
    await h.post(callReceived({ from: '120363000000000000@g.us', isGroup: true, callId: 'group-call' }));
    await h.post(callReceived({ from: '11111111111@c.us', callId: 'own-call' }));
    const { body } = await h.api<CallsBody>('/api/calls');
    const byId = Object.fromEntries(body.calls.map((c) => [c.callId, c.redirect.status]));
    expect(byId).toEqual({ 'group-call': 'skipped:group', 'own-call': 'skipped:from_me' });
    await h.settled();
    expect(h.gateway.sent).toHaveLength(0);
  });
});

describe('the redirect with rejectCalls on', () => {
  const h = useHarness((db, url) => {
    const c = testConfig(db, url);
    c.sessions.default!.rejectCalls = true;
    return c;
  });

  it('rejects the ringing call too when rejectCalls is on', async () => {
    await h.post(callReceived({ from: '77777777777@c.us', callId: 'to-reject' }));
    await h.gateway.waitFor((g) => g.rejects.length === 1 && g.sent.length === 1);
    expect(h.gateway.rejects[0]).toMatchObject({
      api: 'waha',
      session: 'default',
      from: '77777777777@c.us',
      id: 'to-reject',
    });
  });
});

describe('the debounce window', () => {
  let h: Harness;
  afterEach(() => h.close());
  const withDebounce = (ms: number) => (db: string, url: string) => {
    const c = testConfig(db, url);
    c.sessions.default!.redirect.debounce = ms;
    return c;
  };

  it('redirects the same caller again once the window has passed', async () => {
    h = await startHarness(withDebounce(600));
    const from = '88888888888@c.us';
    await h.post(callReceived({ from, callId: 'w-1' }));
    await h.gateway.waitFor((g) => g.sent.length === 1);
    h.clock.advance('599ms');
    await h.post(callReceived({ from, callId: 'w-2' }));
    h.clock.advance('1ms');
    await h.post(callReceived({ from, callId: 'w-3' }));
    await h.gateway.waitFor((g) => g.sent.length === 2);
    const { body } = await h.api<CallsBody>('/api/calls');
    const byId = Object.fromEntries(body.calls.map((c) => [c.callId, c.redirect.status]));
    expect(byId['w-2']).toBe('skipped:debounced');
    expect(byId['w-3']).not.toBe('skipped:debounced');
  });

  it('remembers that the gateway has no contact for a caller: a second ring does not ask again', async () => {
    h = await startHarness(withDebounce(0));
    const from = '46464646464@c.us';
    await h.post(callReceived({ from, callId: 'unknown-1' }));
    await h.gateway.waitFor((g) => g.sent.length === 1);
    await h.post(callReceived({ from, callId: 'unknown-2' }));
    await h.gateway.waitFor((g) => g.sent.length === 2);
    expect(h.gateway.sent[0]!.text.startsWith('Hi! We saw you')).toBe(true);
    expect(h.gateway.lookups.filter((l) => l.contactId === from)).toHaveLength(1);
  });
});

describe('session scope', () => {
  let other: SimGateway;
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await other.close();
  });

  it("never uses another session's gateway or template", async () => {
    other = await startSimGateway({ wawp: { instanceId: 'inst-b', accessToken: 'tok-b' } });
    h = await startHarness((db, url) =>
      parseConfig(
        {
          http: { host: '127.0.0.1', port: 0, warmUp: 0 },
          database: `sqlite:${db}`,
          api: { token: TOKEN },
          log: { level: 'silent' },
          gateways: {
            local: { type: 'waha', url, apiKey: API_KEY, hmacKey: HMAC_KEY },
            wawp: { type: 'wawp', url: other.url, instanceId: 'inst-b', accessToken: 'tok-b', hmacKey: HMAC_KEY },
          },
          sessions: {
            shopA: { gateway: 'local', name: 'default', redirect: { voice: 'Shop A here, {{name}}: write to us.' } },
            shopB: {
              gateway: 'wawp',
              name: 'default',
              redirect: { voice: 'Shop B here, {{name|friend}}: chat with us.' },
            },
          },
          dispatch: { retryInitial: '50ms', pollInterval: '50ms' },
        },
        {},
      ),
    );
    const caller = '99999999999@c.us';
    h.gateway.setContact(caller, { pushname: 'Bea' });
    await h.post(callReceived({ from: caller, callId: 'a-1' }), { gateway: 'local' });
    await h.post({ ...(callReceived({ from: caller, callId: 'b-1' }) as object) }, { gateway: 'wawp' });
    await h.gateway.waitFor((g) => g.sent.length === 1);
    await other.waitFor((g) => g.sent.length === 1);
    expect(h.gateway.sent).toEqual([
      expect.objectContaining({ session: 'default', text: 'Shop A here, Bea: write to us.' }),
    ]);
    // The Wawp side has no contact for this caller: its own lookup, its own default.
    expect(other.sent).toEqual([
      expect.objectContaining({
        api: 'wawp',
        instanceId: 'inst-b',
        chatId: caller,
        text: 'Shop B here, friend: chat with us.',
      }),
    ]);
    // Each session debounces on its own: the caller got one message from each, not one in all.
    const { body } = await h.api<CallsBody>('/api/calls');
    expect(body.calls.map((c) => [c.session, c.callId]).sort()).toEqual([
      ['shopA', 'a-1'],
      ['shopB', 'b-1'],
    ]);
  });
});

describe('a caller behind a LID', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('is resolved to the phone number when the gateway knows it: one person for VIPs, debounce and the chat', async () => {
    h = await startHarness((db, url) => {
      const c = testConfig(db, url);
      c.sessions.default!.vip.numbers = ['15550004242@c.us'];
      return c;
    });
    h.gateway.setLid('1551234@lid', '15550004242');
    await h.post(callReceived({ from: '1551234@lid', callId: 'lid-vip' }));
    await h.post(callReceived({ from: '1559999@lid', callId: 'lid-unknown' }));
    await h.gateway.waitFor((g) => g.sent.length === 1);
    await h.settled();
    const { body } = await h.api<{
      calls: Array<{ callId: string; caller: string; isVip: boolean; redirect: { status: string } }>;
    }>('/api/calls');
    expect(body.calls.map((c) => [c.callId, c.caller, c.isVip, c.redirect.status])).toEqual([
      // Unknown behind its LID: answered on the LID itself.
      ['lid-unknown', '1559999@lid', false, 'sent'],
      ['lid-vip', '15550004242@c.us', true, 'skipped:vip'],
    ]);
    expect(h.gateway.sent.map((s) => s.chatId)).toEqual(['1559999@lid']);
  });
});
