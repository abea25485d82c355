import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callReceived, messageReceived, signWaha } from '../../src/sim/webhooks.js';
import { HMAC_KEY, TOKEN, startHarness, type Harness } from '../helpers/harness.js';

/**
 * Hostile bodies at the webhook route over a real socket: whatever arrives, the answer is a 2xx or a
 * 4xx with a JSON error naming the problem, the connection is never dropped, and nothing stored makes
 * the API fail afterwards. Seeded and bounded, so a failure replays exactly.
 */
const SEED = 20261201;
const RUNS = 5_000;

/** What a hostile poster puts where a chat id or a call id belongs. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '<img src=x onerror=alert(3)>@c.us',
    'abc@c.us',
    '@c.us',
    '123@c.us',
    '1234567890123456@c.us',
    'x@lid',
    '15550001111@g.us',
    '15550001111:12@s.whatsapp.net',
    '../../etc/passwd',
    '\u0000',
    '💥'.repeat(200),
  ),
  fc.stringMatching(/^\d{1,20}@(c\.us|lid|s\.whatsapp\.net|g\.us)$/),
);

/** A real envelope with any one field replaced by anything. */
const mutatedEnvelope = fc
  .tuple(
    fc.constantFrom('call', 'message'),
    hostileString,
    fc.constantFrom('id', 'event', 'session', 'payload', 'timestamp', 'me', 'engine', null),
    fc.anything({ maxDepth: 3 }),
  )
  .map(([kind, from, field, value]) => {
    const base =
      kind === 'call'
        ? (callReceived({ from }) as Record<string, unknown>)
        : (messageReceived({ from, body: 'hello' }) as Record<string, unknown>);
    return JSON.stringify(field === null ? base : { ...base, [field]: value });
  });

/** A ringing call whose payload nests `depth` levels deep: stored, it must still be readable. */
const deepCall = fc.integer({ min: 1, max: 6_000 }).map((depth) => {
  const call = callReceived({ from: '15550001111@c.us' }) as { payload: Record<string, unknown> };
  const deep = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  return JSON.stringify({ ...call, payload: { ...call.payload, _data: '__DEEP__' } }).replace('"__DEEP__"', deep);
});

const body = fc.oneof(
  { weight: 4, arbitrary: mutatedEnvelope },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 200 }).map((n) => '['.repeat(n) + ']'.repeat(n)) },
  { weight: 1, arbitrary: deepCall },
);

const headers = fc.record({
  signed: fc.boolean(),
  contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
});

describe('webhook fuzz', () => {
  let h: Harness;
  const statuses = new Map<number, number>();
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it(`answers ${RUNS} hostile bodies with 2xx or a named 4xx, never a 5xx or a dropped connection`, async () => {
    await fc.assert(
      fc.asyncProperty(body, headers, async (text, { signed, contentType }) => {
        const res = await fetch(`${h.bridge.url}/webhooks/local`, {
          method: 'POST',
          headers: {
            ...(contentType ? { 'content-type': contentType } : {}),
            ...(signed ? { 'x-webhook-hmac': signWaha(text, HMAC_KEY) } : {}),
          },
          body: text,
        });
        const answer = (await res.json()) as { code?: string; message?: string };
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, text.slice(0, 200)).toBeLessThan(500);
        if (res.status >= 400) {
          expect(typeof answer.code, text.slice(0, 200)).toBe('string');
          expect(answer.message, text.slice(0, 200)).toBeTruthy();
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // The run exercised both paths: stored events and refusals.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(100);
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
  });

  it('left nothing behind that makes the API fail', async () => {
    const list = await h.api<{ calls: Array<{ id: string; session: string }> }>('/api/calls?limit=200');
    expect(list.status).toBe(200);
    for (const c of list.body.calls) {
      const res = await fetch(`${h.bridge.url}/api/calls/${encodeURIComponent(c.id)}?session=${c.session}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status, c.id).toBeLessThan(500);
    }
    const health = await fetch(`${h.bridge.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
