import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callReceived, messageReceived, signWaha } from '../../src/sim/webhooks.js';
import { HMAC_KEY, TOKEN, WAWP, startHarness, testConfig, type Harness } from '../helpers/harness.js';

/**
 * Hostile bodies at the webhook route over a real socket: whatever arrives, the answer is a 2xx or a
 * 4xx with a JSON error naming the problem, the connection is never dropped, and nothing stored makes
 * the API fail afterwards. Seeded and bounded, so a failure replays exactly.
 */
const SEED = 20261201;
const RUNS = 5_000;
/** 5,000 requests over a real socket: seconds on a quiet machine, far more on a loaded one. */
const FUZZ_TIMEOUT = 180_000;
/** `hosted` (Wawp, which signs nothing) takes webhooks at /webhooks/hosted/<this>. */
const WEBHOOK_TOKEN = 'fuzz-webhook-token-0123456789';

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

/** What a poster puts in a header: printable ASCII (anything else never leaves the client). */
const headerText = (maxLength: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${maxLength}}$`));

/** Where it is posted: mostly the real gateways, the right token or none, else made-up names and tokens. */
const target = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ gateway: 'local', token: undefined as string | undefined }) },
  { weight: 2, arbitrary: fc.constant({ gateway: 'hosted', token: WEBHOOK_TOKEN as string | undefined }) },
  {
    weight: 1,
    arbitrary: fc.record({
      gateway: fc.constantFrom('local', 'hosted'),
      token: fc.option(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.stringMatching(/^[A-Za-z0-9._~-]{1,64}$/),
          fc.constantFrom(WEBHOOK_TOKEN.slice(0, -1), `${WEBHOOK_TOKEN}x`, WEBHOOK_TOKEN.toUpperCase(), ''),
        ),
        { nil: undefined },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      gateway: fc.oneof(
        fc.string({ minLength: 1, maxLength: 120 }),
        fc.constantFrom('LOCAL', 'local ', '__proto__', 'constructor', 'toString', '..', '%00', 'hosted%2Fx'),
      ),
      token: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
    }),
  },
);

/** X-Webhook-Timestamp: absent, now, any number, or anything at all. */
const timestamp = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.constant('now') },
  { weight: 1, arbitrary: fc.integer({ min: -1e15, max: 1e16 }).map(String) },
  { weight: 1, arbitrary: headerText(30) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '1e3', '0x10', '-0', '9'.repeat(40), '1, 2') },
);

const headers = fc.record({
  signed: fc.boolean(),
  contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
  timestamp,
});

describe('webhook fuzz', () => {
  let h: Harness;
  const statuses = new Map<number, number>();
  beforeAll(async () => {
    h = await startHarness((db, url) => {
      const c = testConfig(db, url);
      // No session of its own: what it lets in is stored as unknown_session, so the run pays for
      // the token check, not for more redirects.
      c.gateways.hosted = { type: 'wawp', url, ...WAWP, webhookToken: WEBHOOK_TOKEN, connections: 4, timeout: 5000 };
      return c;
    });
  });
  afterAll(() => h.close());

  it(
    `answers ${RUNS} hostile bodies, URLs and timestamps with 2xx or a named 4xx, never a 5xx or a dropped connection`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          body,
          target,
          headers,
          async (text, { gateway, token }, { signed, contentType, timestamp }) => {
            const path = `/webhooks/${encodeURIComponent(gateway)}${token === undefined ? '' : `/${encodeURIComponent(token)}`}`;
            const res = await fetch(`${h.bridge.url}${path}`, {
              method: 'POST',
              headers: {
                ...(contentType ? { 'content-type': contentType } : {}),
                ...(signed ? { 'x-webhook-hmac': signWaha(text, HMAC_KEY) } : {}),
                ...(timestamp === undefined
                  ? {}
                  : { 'x-webhook-timestamp': timestamp === 'now' ? String(h.clock.now()) : timestamp }),
              },
              body: text,
            });
            const raw = await res.text();
            const answer = JSON.parse(raw) as { code?: string; message?: string };
            const what = `${path} ${text.slice(0, 200)}`;
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            expect(res.status, what).toBeLessThan(500);
            if (res.status >= 400) {
              expect(typeof answer.code, what).toBe('string');
              expect(answer.message, what).toBeTruthy();
            }
            // The secret in the URL is never said back, whatever was posted.
            expect(raw, what).not.toContain(WEBHOOK_TOKEN);
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
      // The run exercised both paths: stored events and refusals.
      expect(statuses.get(200) ?? 0).toBeGreaterThan(100);
      expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
    },
    FUZZ_TIMEOUT,
  );

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
    // Whatever names and types were posted, /metrics counts them under a fixed set of labels.
    const scrape = await (await fetch(`${h.bridge.url}/metrics`)).text();
    const gateways = new Set([...scrape.matchAll(/^callbridge_webhooks_total\{gateway="([^"]*)"/gm)].map((m) => m[1]));
    expect(
      [...gateways].every((g) => ['local', 'hosted', 'unknown'].includes(g!)),
      [...gateways].join(),
    ).toBe(true);
    expect(scrape).not.toContain(WEBHOOK_TOKEN);
  });
});
