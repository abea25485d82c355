import { afterEach, describe, expect, it } from 'vitest';
import { startSimChatwoot, type SimChatwoot } from '../../src/sim/chatwoot.js';
import { callReceived, messageReceived } from '../../src/sim/webhooks.js';
import { startHarness, testConfig, waitFor, type Harness } from '../helpers/harness.js';

/** Alerts reach Chatwoot through the outbox, like every other channel: routed, retried, once. */
describe('Chatwoot channel', () => {
  let h: Harness;
  let cw: SimChatwoot;
  afterEach(async () => {
    await h.close();
    await cw.close();
  });

  async function start(tweak: (c: ReturnType<typeof testConfig>) => void = () => {}) {
    cw = await startSimChatwoot({ accountId: 3, inboxIds: [7] });
    h = await startHarness((db, url) => {
      const c = testConfig(db, url);
      c.alerts = { chatwoot: { url: cw.url, accountId: 3, inboxId: 7, apiToken: cw.apiToken } };
      tweak(c);
      return c;
    });
  }

  it('a missed call and a Priority 1 become private notes in the caller’s one conversation, labelled, P1 urgent', async () => {
    await start((c) => (c.sessions.default!.ringTimeout = 60_000));
    const from = '15550004444@c.us';
    await h.post(callReceived({ from, callId: 'first' }));
    h.clock.advance('60s');
    await cw.waitFor((s) => s.notes().length === 1);
    await h.settled();
    const [missed] = cw.notes();
    expect(missed).toMatchObject({ private: true });
    expect(missed!.content).toMatch(/missed/i);
    expect(missed!.content).toContain('+15550004444');
    const conversation = cw.conversations.get(missed!.conversationId)!;
    expect(conversation.inboxId).toBe(7);
    expect(conversation.labels).toContain('missed-call');

    // Four more rings make the caller stressed; their text is the Priority 1.
    for (let i = 2; i <= 5; i++) await h.post(callReceived({ from, callId: `again-${i}` }));
    await h.post(messageReceived({ from, body: 'Please call me back, the machine is smoking' }));
    await cw.waitFor((s) => s.notes().some((n) => n.content.includes('the machine is smoking')));
    await h.settled();
    const p1 = cw.notes().find((n) => n.content.includes('the machine is smoking'))!;
    expect(p1.content).toMatch(/^Priority 1/);
    // One contact, one conversation: every alert of this caller lands in it.
    expect(cw.contacts.size).toBe(1);
    expect(cw.conversations.size).toBe(1);
    expect(new Set(cw.notes().map((n) => n.conversationId))).toEqual(new Set([conversation.id]));
    const after = cw.conversations.get(conversation.id)!;
    expect(after.labels).toEqual(expect.arrayContaining(['missed-call', 'p1']));
    expect(after.priority).toBe('urgent');
  });

  it('Chatwoot down: the alert is retried and delivered once after recovery', async () => {
    await start();
    cw.setDown(true);
    await h.post(callReceived({ from: '15550002222@c.us', callId: 'while-down' }));
    h.clock.advance('1s');
    // Refused twice while down: each retry falls due on the clock.
    for (let refused = 1; refused <= 2; refused++) {
      await waitFor(`refused attempt ${refused}`, () => cw.requests['contacts.search'] >= refused);
      await waitFor(`its failure recorded`, async () => (await h.attempts()) >= refused + 1);
      h.clock.advance('1s');
    }
    expect(cw.notes()).toHaveLength(0);
    cw.setDown(false);
    h.clock.advance('5m');
    await cw.waitFor((s) => s.notes().length === 1);
    await h.settled();
    h.clock.advance('5m');
    await h.settled();
    expect(cw.notes()).toHaveLength(1);
    expect(cw.contacts.size).toBe(1);
    expect(cw.conversations.size).toBe(1);
  });
});
