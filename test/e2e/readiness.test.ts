import { afterEach, describe, expect, it } from 'vitest';
import { callReceived } from '../../src/sim/webhooks.js';
import { startHarness, testConfig, waitFor, type Harness } from '../helpers/harness.js';

const TABLES = ['events', 'calls', 'callers', 'actions', 'action_attempts', 'timers', 'feed'] as const;

async function rowsIn(h: Harness): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    const row = await h.bridge.store.db
      .selectFrom(t)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    out[t] = Number(row.n);
  }
  return out;
}

describe('readiness', () => {
  let h: Harness | undefined;
  afterEach(() => h?.close());

  it('/readyz and /healthz answer 503 warming_up, then 200 once the warm-up is done; it stored and sent nothing', async () => {
    h = await startHarness((db, url) => {
      const config = testConfig(db, url);
      config.http.warmUp = 600;
      return config;
    });
    for (const path of ['/readyz', '/healthz']) {
      const res = await fetch(`${h.bridge.url}${path}`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'warming_up' });
    }
    await h.bridge.ready;
    for (const path of ['/readyz', '/healthz']) {
      const res = await fetch(`${h.bridge.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', database: 'sqlite' });
    }
    expect(await rowsIn(h)).toEqual(Object.fromEntries(TABLES.map((t) => [t, 0])));
    expect(h.gateway.sent).toEqual([]);
    expect(h.gateway.requests).toEqual(Object.fromEntries(Object.keys(h.gateway.requests).map((r) => [r, 0])));
  });

  it('takes webhooks while warming up, and a made-up rehearsal header is a webhook like any other', async () => {
    h = await startHarness((db, url) => {
      const config = testConfig(db, url);
      config.http.warmUp = 600;
      return config;
    });
    const res = await h.post(callReceived({ from: '12000000001@c.us', callId: 'during' }), {
      headers: { 'x-callbridge-rehearsal': 'a guess' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'processed' });
    await h.bridge.ready;
    await waitFor('the redirect', () => h!.gateway.sent.length === 1);
    expect((await rowsIn(h)).calls).toBe(1);
  });
});
