import { afterEach, describe, expect, it } from 'vitest';
import { startSimReceivers, type SimReceivers } from '../../src/sim/receivers.js';
import { callReceived } from '../../src/sim/webhooks.js';
import { eventsOf, agentsConfig } from '../helpers/agents.js';
import { startHarness, type Harness } from '../helpers/harness.js';

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
