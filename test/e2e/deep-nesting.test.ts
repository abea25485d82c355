import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callReceived } from '../../src/sim/webhooks.js';
import { countEvents } from '../../src/store/events.js';
import { startHarness, type Harness } from '../helpers/harness.js';

/** A ringing call whose payload's `_data` nests `depth` levels deep. */
function deepCall(depth: number, callId: string): string {
  const deep = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  return JSON.stringify(callReceived({ from: '15550001111@c.us', callId })).replace('"_data":{}', `"_data":${deep}`);
}

describe('a deeply nested body', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('is refused with 400 too_deep before it is stored', async () => {
    const res = await h.post(deepCall(5_000, 'deep'));
    expect(res).toMatchObject({ status: 400, json: { code: 'too_deep', message: expect.stringContaining('64') } });
    expect(await countEvents(h.bridge.store.db)).toBe(0);
  });

  it('within the limit is stored, and its call reads back', async () => {
    // Two levels are the envelope's own (the body, its payload): 64 in all.
    expect((await h.post(deepCall(62, 'nested'))).status).toBe(200);
    expect((await h.post(deepCall(63, 'one-more'))).json).toMatchObject({ code: 'too_deep' });
    const { body } = await h.api<{ calls: Array<{ id: number }> }>('/api/calls');
    const detail = await h.api<{ events: unknown[] }>(`/api/calls/${body.calls[0]!.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.events).toHaveLength(1);
  });
});
