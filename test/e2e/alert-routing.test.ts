import { afterEach, describe, expect, it } from 'vitest';
import { startSimReceivers, type SimReceivers } from '../../src/sim/receivers.js';
import { callReceived } from '../../src/sim/webhooks.js';
import { eventsOf, slackTexts, agentsConfig } from '../helpers/agents.js';
import { startHarness, type Harness } from '../helpers/harness.js';

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
