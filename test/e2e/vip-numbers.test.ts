import { afterEach, describe, expect, it } from 'vitest';
import { callReceived } from '../../src/sim/webhooks.js';
import { TOKEN, startHarness, testConfig, type Harness } from '../helpers/harness.js';

describe('VIP numbers given to the API', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('are held to the same rule: "123" is a 400 naming the problem', async () => {
    h = await startHarness();
    const add = (number: unknown) =>
      fetch(`${h.bridge.url}/api/sessions/default/vips`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ number }),
      });
    for (const [number, problem] of [
      ['123', '"123" is not a WhatsApp number (7 to 15 digits)'],
      ['abc1@c.us', '"abc1@c.us" is not a WhatsApp number (7 to 15 digits)'],
      ['<img src=x onerror=alert(3)>@c.us', '"<img src=x onerror=alert(3)>@c.us" is not a WhatsApp number'],
      ['x@lid', '"x@lid" is not a WhatsApp chat id (digits@lid)'],
      ['120363025246125486@g.us', 'is not a WhatsApp number'],
    ]) {
      const res = await add(number);
      expect(res.status, number).toBe(400);
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe('invalid_number');
      expect(body.message, number).toMatch(/^body\/number: /);
      expect(body.message, number).toContain(problem);
    }
    expect((await add('1551234@lid')).status).toBe(201);
    expect((await add('+1 555 000 4444')).status).toBe(201);
    const { body } = await h.api<{ vips: Array<{ caller: string }> }>('/api/sessions/default/vips');
    expect(body.vips.map((v) => v.caller)).toEqual(['1551234@lid', '15550004444@c.us']);
  });
});

describe('a VIP the config file names', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('calls in by that name: on the call, the work item and the VIP list', async () => {
    h = await startHarness((db, url) =>
      testConfig(db, url, {
        sessions: {
          default: {
            gateway: 'local',
            ringTimeout: '1s',
            vip: { numbers: [{ number: '+1 555 000 7777', name: 'Victoria' }] },
          },
        },
      }),
    );
    await h.post(callReceived({ from: '15550007777@c.us', callId: 'vip-1' }));
    await h.settled();
    const { body: calls } = await h.api<{ calls: Array<{ name: string | null; isVip: boolean }> }>('/api/calls');
    expect(calls.calls[0]).toMatchObject({ name: 'Victoria', isVip: true });
    const { body: queue } = await h.api<{ items: Array<{ kind: string; name: string | null }> }>('/api/queue');
    expect(queue.items).toMatchObject([{ kind: 'vip', name: 'Victoria' }]);
    const { body: vips } = await h.api<{ vips: Array<{ name: string | null; source: string }> }>(
      '/api/sessions/default/vips',
    );
    expect(vips.vips).toEqual([
      { number: '15550007777', caller: '15550007777@c.us', name: 'Victoria', source: 'config' },
    ]);
  });
});
