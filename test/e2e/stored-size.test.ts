import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callReceived, wahaEnvelope } from '../../src/sim/webhooks.js';
import { SUMMARY_MAX_BYTES } from '../../src/store/events.js';
import { startHarness, type Harness } from '../helpers/harness.js';

/** Most of the 64 KB body limit, in a field nobody reads. */
const PAD = 'x'.repeat(60 * 1024);

describe('what is stored of a webhook', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('is a bounded summary for what is not acted on, and the whole body for what is', async () => {
    const junk = [
      ...Array.from({ length: 20 }, (_, i) => wahaEnvelope(`junk.${i}`, { pad: PAD })),
      ...Array.from({ length: 20 }, () => callReceived({ session: 'nobody', from: '15550001111@c.us' })),
      ...Array.from({ length: 20 }, () => callReceived({ from: `${PAD.slice(0, 2000)}@c.us` })),
    ].map((b) => JSON.stringify(b).replace('"_data":{}', `"_data":{"pad":"${PAD}"}`));
    for (const body of junk) expect((await h.post(body)).status).toBe(200);
    const acted = JSON.stringify(callReceived({ from: '15550002222@c.us', callId: 'kept' })).replace(
      '"_data":{}',
      `"_data":{"pad":"${PAD}"}`,
    );
    expect((await h.post(acted)).json).toMatchObject({ status: 'processed' });

    const rows = await h.bridge.store.db
      .selectFrom('events')
      .select(['outcome', 'body', 'event_id', 'type', 'session'])
      .execute();
    const stored = rows.filter((r) => r.outcome !== 'processed');
    expect(new Set(stored.map((r) => r.outcome))).toEqual(new Set(['ignored', 'unknown_session', 'invalid_caller']));
    expect(stored).toHaveLength(60);
    for (const r of stored) {
      expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
      expect(JSON.parse(r.body)).toMatchObject({ bytes: expect.any(Number), eventId: r.event_id, type: r.type });
    }
    const invalid = stored.find((r) => r.outcome === 'invalid_caller')!;
    expect((JSON.parse(invalid.body) as { problem: string }).problem).toMatch(/^payload\.from: /);
    const row = (r: (typeof rows)[number]) =>
      Buffer.byteLength(r.body) + Buffer.byteLength(r.event_id) + Buffer.byteLength(r.type) + r.session!.length;
    expect(Math.max(...stored.map(row))).toBeLessThan(1_500);

    // The call acted on keeps its body, as the gateway sent it.
    const { body } = await h.api<{ calls: Array<{ id: number }> }>('/api/calls');
    const detail = await h.api<{ events: Array<{ body: { payload: { _data: { pad: string } } } }> }>(
      `/api/calls/${body.calls[0]!.id}`,
    );
    expect(detail.body.events[0]!.body.payload._data.pad).toBe(PAD);
  });

  it('refuses ids and names longer than any gateway gives, naming the field', async () => {
    const long = await h.post(wahaEnvelope('session.status', {}, { id: `evt_${'x'.repeat(300)}` }));
    expect(long).toMatchObject({
      status: 400,
      json: { code: 'invalid_event', message: expect.stringMatching(/^id: /) },
    });
    const session = await h.post(callReceived({ session: 's'.repeat(200), from: '15550001111@c.us' }));
    expect(session.json).toMatchObject({ code: 'invalid_event', message: expect.stringMatching(/^session: /) });
  });
});
