import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimReceivers, type SimReceivers } from '../../src/sim/receivers.js';
import { callReceived } from '../../src/sim/webhooks.js';
import { eventsOf, agentsConfig } from '../helpers/agents.js';
import { startHarness, type Harness } from '../helpers/harness.js';

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
