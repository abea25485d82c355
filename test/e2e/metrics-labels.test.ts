import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { wahaEnvelope } from '../../src/sim/webhooks.js';
import { startHarness, testConfig, type Harness } from '../helpers/harness.js';

const METRICS_TOKEN = 'metrics-token-0123456789';

/** The callbridge_* series of a scrape (one line each; comments are not series). */
async function series(h: Harness): Promise<string[]> {
  const text = await (await fetch(`${h.bridge.url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith('callbridge_'));
}

describe('/metrics labels', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('come from a fixed set: 500 posts to random gateway names and event types leave the series count flat', async () => {
    h = await startHarness();
    const junk = (gateway: string, event: string) =>
      gateway === 'local'
        ? h.post(wahaEnvelope(event, { id: 'x' }))
        : h.post(wahaEnvelope(event, { id: 'x' }), { gateway: encodeURIComponent(gateway) });
    // Every label value the run can reach, once, so that the count below has its final size.
    await junk('nope', 'call.received');
    await junk('local', 'some.event');
    const before = await series(h);

    const posts = fc.sample(
      fc.tuple(
        fc.oneof(fc.constant('local'), fc.stringMatching(/^[a-z0-9_-]{1,30}$/)),
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 40 }),
          fc.string().map((s) => `call.${s}`),
        ),
      ),
      { numRuns: 500, seed: 6 },
    );
    for (let i = 0; i < posts.length; i += 25) {
      const answers = await Promise.all(posts.slice(i, i + 25).map(([gateway, event]) => junk(gateway, event)));
      for (const a of answers) expect(a.status).toBeLessThan(500);
    }

    const after = await series(h);
    expect(after.length).toBe(before.length);
    expect(after.join('\n')).toMatch(/gateway="unknown",event="other",outcome="unknown_gateway"/);
    expect(after.join('\n')).toMatch(/gateway="local",event="other",outcome="ignored"/);
  });
});

describe('metrics.token', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('when set, a scrape needs Authorization: Bearer <token>', async () => {
    h = await startHarness((db, url) => ({ ...testConfig(db, url), metrics: { token: METRICS_TOKEN } }));
    const scrape = (authorization?: string) =>
      fetch(`${h.bridge.url}/metrics`, { headers: authorization ? { authorization } : {} });
    const none = await scrape();
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('Bearer') });
    expect((await scrape('Bearer not-the-token')).status).toBe(401);
    const ok = await scrape(`Bearer ${METRICS_TOKEN}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('callbridge_webhooks_total');
  });
});
