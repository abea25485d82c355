import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callReceived } from '../../src/sim/webhooks.js';
import { startHarness, testConfig, TOKEN, type Harness } from '../helpers/harness.js';

const auth = { authorization: `Bearer ${TOKEN}` };

describe('security headers and the favicon', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it("answers the dashboard and the API with helmet's headers and the dashboard's policy", async () => {
    for (const [path, headers] of [
      ['/', {}],
      ['/web/app.js', {}],
      ['/api/calls', auth],
    ] as const) {
      const res = await fetch(h.bridge.url + path, { headers });
      expect(res.status, path).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const directive of ["default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"])
        expect(csp, path).toContain(directive);
      expect(csp, path).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('x-frame-options'), path).toBe('SAMEORIGIN');
      expect(res.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
    }
  });

  it("answers webhooks without helmet's headers: a gateway reads them, not a browser", async () => {
    const res = await h.post(callReceived({ from: '15550007777@c.us' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBeNull();
    expect(res.headers.get('x-frame-options')).toBeNull();
  });

  it('gives the API reference its own policy, allowing the inline styles swagger-ui sets, and only there', async () => {
    const res = await fetch(`${h.bridge.url}/api/docs`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
  });

  it('serves /favicon.ico, so browsers stop asking for it in vain', async () => {
    const res = await fetch(`${h.bridge.url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(await res.text()).toContain('<svg');
  });
});

describe('rate limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness((db, url) =>
      testConfig(db, url, { api: { token: TOKEN, rateLimit: { max: 4, tickets: 2, window: '1m' } } }),
    );
  });
  afterAll(() => h?.close());

  const expectLimited = async (res: Response) => {
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      code: 'rate_limited',
      message: expect.stringMatching(/^more than \d+ requests in the window; retry in /),
    });
  };

  it('limits stream tickets and the API apart, per token; a request without the token counts for its IP', async () => {
    const ticket = () => fetch(`${h.bridge.url}/api/stream/tickets`, { method: 'POST', headers: auth });
    // Tickets have their own, lower limit, counted apart from the API's.
    expect((await ticket()).status).toBe(201);
    expect((await ticket()).status).toBe(201);
    await expectLimited(await ticket());
    const calls = (headers: Record<string, string>) => fetch(`${h.bridge.url}/api/calls`, { headers });
    for (let i = 0; i < 4; i++) expect((await calls(auth)).status).toBe(200);
    await expectLimited(await calls(auth));
    // Counted apart from the token: refused for what it is, not for the token's count.
    expect((await calls({})).status).toBe(401);
    expect((await calls({ authorization: 'Bearer not-the-token' })).status).toBe(401);
  });

  it('does not limit webhooks (gateways burst) nor /healthz', async () => {
    for (let i = 0; i < 6; i++) {
      expect((await h.post(callReceived({ callId: `burst-${i}`, from: '15550001111@c.us' }))).status).toBe(200);
      expect((await fetch(`${h.bridge.url}/healthz`)).status).toBe(200);
    }
  });
});
