import type { Worker } from 'node:worker_threads';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/index.js';
import { callReceived, evolutionCall, signWaha, wawpCallReceived } from '../../src/sim/webhooks.js';
import { HMAC_KEY, WAWP, startHarness, testConfig, waitFor, type Harness } from '../helpers/harness.js';

const WAWP_TOKEN = 'wawp-webhook-token-0123456789';
const LOCAL_TOKEN = 'local-webhook-token-9876543210';
const EVO_TOKEN = 'evo-webhook-token-5555555555';

/** Wawp signs nothing: its token is all it has. WAHA here has both a token and its HMAC key. */
function tokenConfig(db: string, url: string): Config {
  const c = testConfig(db, url);
  // Every request logged too: the line Fastify writes before any route has run.
  c.log = { ...c.log, level: 'info', requests: true };
  c.gateways.local = { ...c.gateways.local!, webhookToken: LOCAL_TOKEN };
  c.gateways.hosted = { type: 'wawp', url, ...WAWP, webhookToken: WAWP_TOKEN, connections: 4, timeout: 5000 };
  c.gateways.evo = {
    type: 'evolution',
    url,
    apiKey: 'evo-key',
    webhookToken: EVO_TOKEN,
    connections: 4,
    timeout: 5000,
  };
  c.gateways.open = { type: 'waha', url, connections: 4, timeout: 5000 };
  c.sessions = {
    ...c.sessions,
    'hosted-default': { ...c.sessions.default!, gateway: 'hosted', name: 'default' },
    'support-line': { ...c.sessions.default!, gateway: 'evo', name: 'support-line' },
  };
  return c;
}

async function post(h: Harness, path: string, body: object, headers: Record<string, string> = {}) {
  const raw = JSON.stringify(body);
  const res = await fetch(`${h.bridge.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw,
  });
  return { status: res.status, json: (await res.json()) as { status?: string; code?: string; message?: string } };
}

/** Webhooks stored. */
async function stored(h: Harness): Promise<number> {
  return (await h.bridge.store.db.selectFrom('events').select('gateway').execute()).length;
}

const signed = (body: object) => ({ 'x-webhook-hmac': signWaha(JSON.stringify(body), HMAC_KEY) });

describe('webhook tokens', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('let in a webhook posted to /webhooks/<name>/<token>, and only that', async () => {
    h = await startHarness(tokenConfig);
    const ring = () => wawpCallReceived({ from: '15550001111@c.us' });
    expect(await post(h, `/webhooks/hosted/${WAWP_TOKEN}`, ring())).toMatchObject({
      status: 200,
      json: { status: 'processed' },
    });
    const without = await post(h, '/webhooks/hosted', ring());
    expect(without).toMatchObject({ status: 401, json: { code: 'bad_token' } });
    expect(without.json.message).toBe('gateway "hosted" takes webhooks at /webhooks/hosted/<webhookToken>');
    for (const wrong of [`${WAWP_TOKEN.slice(0, -1)}x`, 'short', `${WAWP_TOKEN}${WAWP_TOKEN}`, LOCAL_TOKEN]) {
      expect(await post(h, `/webhooks/hosted/${wrong}`, ring()), wrong).toMatchObject({
        status: 401,
        json: { code: 'bad_token', message: 'the webhook token in the URL is wrong' },
      });
    }
    // A gateway without a token takes none: a URL with one is a mistake worth naming.
    expect(await post(h, '/webhooks/open/anything', ring())).toMatchObject({
      status: 401,
      json: { code: 'bad_token', message: 'gateway "open" has no webhookToken; post to /webhooks/open' },
    });
    expect(await stored(h)).toBe(1);
  });

  it('and a signature: with both set, both must pass', async () => {
    h = await startHarness(tokenConfig);
    const body = callReceived({ from: '15550002222@c.us' });
    expect((await post(h, `/webhooks/local/${LOCAL_TOKEN}`, body, signed(body))).status).toBe(200);
    const unsigned = await post(h, `/webhooks/local/${LOCAL_TOKEN}`, callReceived({ from: '15550002222@c.us' }));
    expect(unsigned).toMatchObject({ status: 401, json: { code: 'bad_signature' } });
    const other = callReceived({ from: '15550002222@c.us' });
    expect(await post(h, '/webhooks/local', other, signed(other))).toMatchObject({
      status: 401,
      json: { code: 'bad_token' },
    });
    expect(await post(h, `/webhooks/local/${WAWP_TOKEN}`, other, signed(other))).toMatchObject({ status: 401 });
    expect(await stored(h)).toBe(1);
  });

  it('never appear in logs, metrics or stored bodies', async () => {
    h = await startHarness(tokenConfig);
    const lines: string[] = [];
    const stream = (h.bridge.app.log as unknown as Record<symbol, { write(s: string): boolean }>)[
      pino.symbols.streamSym
    ]!;
    stream.write = (s: string) => lines.push(s) > 0;

    // Evolution repeats the URL it posts to in the body, token and all.
    const evo = evolutionCall({ callId: 'E1', from: '5511999999999@s.whatsapp.net', status: 'offer' });
    const destination = `${h.bridge.url}/webhooks/evo/${EVO_TOKEN}`;
    expect((await post(h, `/webhooks/evo/${EVO_TOKEN}`, { ...evo, destination })).status).toBe(200);
    await post(h, `/webhooks/hosted/${WAWP_TOKEN}x`, wawpCallReceived({ from: '15550001111@c.us' }));
    // A failure logs the route it happened on: the webhook writer stops, as in writer.test.ts.
    await (h.bridge.pipeline as unknown as { worker: Worker }).worker.terminate();
    await waitFor('the pipeline to notice', () => h.bridge.pipeline.failure !== null);
    const refused = await post(h, `/webhooks/hosted/${WAWP_TOKEN}`, wawpCallReceived({ from: '15550001111@c.us' }));
    expect(refused.status).toBe(503);

    const logged = lines.join('');
    expect(logged).toContain('"msg":"incoming request"');
    expect(logged).toContain('"url":"/webhooks/hosted/<webhookToken>"');
    const scrape = await (await fetch(`${h.bridge.url}/metrics`)).text();
    const { body } = await h.api<{ calls: Array<{ id: number }> }>('/api/calls');
    const detail = JSON.stringify((await h.api(`/api/calls/${body.calls[0]!.id}`)).body);
    expect(detail).toContain('/webhooks/evo/<webhookToken>');
    for (const token of [WAWP_TOKEN, EVO_TOKEN]) {
      expect(logged).not.toContain(token);
      expect(scrape).not.toContain(token);
      expect(detail).not.toContain(token);
    }
  });
});
