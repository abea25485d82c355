import { afterEach, describe, expect, it } from 'vitest';
import {
  callAccepted,
  callReceived,
  callRejected,
  wawpCallAccepted,
  wawpCallReceived,
  wawpCallRejected,
} from '../../src/sim/webhooks.js';
import { HMAC_KEY, WAWP, startHarness, useHarness, testConfig, waitFor, type Harness } from '../helpers/harness.js';

interface Call {
  id: number;
  callId: string;
  status: string;
  endedAt: string | null;
}

async function callStatus(h: Harness, callId: string): Promise<string | undefined> {
  const { body } = await h.api<{ calls: Call[] }>('/api/calls');
  return body.calls.find((c) => c.callId === callId)?.status;
}

describe('the call lifecycle', () => {
  const h = useHarness();

  it('ringing → answered on call.accepted, and it never becomes missed', async () => {
    await h.post(callReceived({ from: '12000000001@c.us', callId: 'ans' }));
    expect(await callStatus(h, 'ans')).toBe('ringing');
    await h.post(callAccepted({ callId: 'ans', from: '12000000001@c.us' }));
    expect(await callStatus(h, 'ans')).toBe('answered');
    // The ring timer is gone with the ring: nothing is left to turn the call into "missed".
    expect(await h.pendingTimers()).toBe(0);
  });

  it('ringing → rejected on call.rejected', async () => {
    await h.post(callReceived({ from: '12000000002@c.us', callId: 'rej' }));
    await h.post(callRejected({ callId: 'rej', from: '12000000002@c.us' }));
    expect(await callStatus(h, 'rej')).toBe('rejected');
    expect(await h.pendingTimers()).toBe(0);
  });

  it('ringing → missed when nothing closes the call within ringTimeout', async () => {
    const rang = h.clock.now();
    await h.post(callReceived({ from: '12000000003@c.us', callId: 'miss' }));
    expect(await callStatus(h, 'miss')).toBe('ringing');
    h.clock.advance('1s');
    await waitFor('the call to be missed', async () => (await callStatus(h, 'miss')) === 'missed');
    const { body } = await h.api<{ calls: Call[] }>('/api/calls');
    expect(Date.parse(body.calls[0]!.endedAt!)).toBe(rang + 1000);
  });

  it('still marks the call missed when the server restarts before the timeout', async () => {
    await h.post(callReceived({ from: '12000000004@c.us', callId: 'restart' }));
    await h.bridge.close();
    // Down past the ring timeout: the timer fell due while no process was running.
    h.clock.advance('1200ms');
    await h.restart();
    await waitFor('the call to be missed after restart', async () => (await callStatus(h, 'restart')) === 'missed');
  });
});

describe('Wawp webhooks', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('correlates accepted and rejected that carry only the call id', async () => {
    h = await startHarness((db, url) => {
      const c = testConfig(db, url);
      c.gateways = { wawp: { type: 'wawp', url, ...WAWP, hmacKey: HMAC_KEY, connections: 4, timeout: 5000 } };
      c.sessions.default!.gateway = 'wawp';
      return c;
    });
    await h.post(wawpCallReceived({ from: '13000000001@c.us', callId: 'w-ans' }), { gateway: 'wawp' });
    await h.post(wawpCallReceived({ from: '13000000002@c.us', callId: 'w-rej' }), { gateway: 'wawp' });
    await h.gateway.waitFor((g) => g.sent.length === 2);
    expect(h.gateway.sent.map((s) => [s.api, s.instanceId])).toEqual([
      ['wawp', 'inst-1'],
      ['wawp', 'inst-1'],
    ]);
    await h.post(wawpCallAccepted({ callId: 'w-ans' }), { gateway: 'wawp' });
    await h.post(wawpCallRejected({ callId: 'w-rej' }), { gateway: 'wawp' });
    expect(await callStatus(h, 'w-ans')).toBe('answered');
    expect(await callStatus(h, 'w-rej')).toBe('rejected');
  });
});
