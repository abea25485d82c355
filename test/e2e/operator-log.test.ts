import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { callReceived, postWebhook } from '../../src/sim/webhooks.js';
import { CLI_TEST } from '../helpers/cli.js';
import { waitFor } from '../helpers/harness.js';

const SECRETS = {
  hmacKey: 'hmac-secret-0123456789abcdef',
  apiKey: 'waha-api-key-0123456789abcdef',
  evolutionKey: 'evo-api-key-0123456789abcdef',
  webhookToken: 'webhook-token-0123456789abcdef',
  metricsToken: 'metrics-token-0123456789abcdef',
};

/** A port nobody listens on: connecting to it is refused. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Line {
  level: number;
  msg: string;
}

describe("the operator's log", CLI_TEST, () => {
  let dir = '';
  let stop: () => Promise<void> = async () => {};
  afterEach(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says at start what runs where, warns of each failed send and refused webhook, and shows no secret', async () => {
    dir = mkdtempSync(join(tmpdir(), 'callbridge-log-'));
    const down = `http://127.0.0.1:${await refusedPort()}`;
    const file = join(dir, 'callbridge.yaml');
    // JSON is YAML.
    writeFileSync(
      file,
      JSON.stringify({
        http: { host: '0.0.0.0', port: 0 },
        insecure: true,
        database: 'sqlite::memory:',
        metrics: { token: SECRETS.metricsToken },
        log: { level: 'info', pretty: false },
        gateways: {
          local: { type: 'waha', url: down, apiKey: SECRETS.apiKey, hmacKey: SECRETS.hmacKey },
          evo: { type: 'evolution', url: down, apiKey: SECRETS.evolutionKey, webhookToken: SECRETS.webhookToken },
        },
        sessions: { default: { gateway: 'local', contactLookup: { enabled: false } } },
        dispatch: { retryInitial: '50ms', retryMax: '100ms', pollInterval: '50ms' },
      }),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--config', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '' },
    });
    let output = '';
    const lines: Line[] = [];
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      output += `${line}\n`;
      lines.push(JSON.parse(line) as Line);
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    };
    const find = (pattern: RegExp) => lines.find((l) => pattern.test(l.msg));

    const listening = await waitFor('the start line', () => find(/callbridge listening on (http:\/\/\S+)/), 60_000);
    const url = /listening on (http:\/\/\S+)/.exec(listening.msg)![1]!;
    expect(listening.msg).toMatch(/\(database sqlite::memory:, config \S+, version 0\.\d+\.\d+\)$/);
    expect(find(/^gateway local \(waha\)/)?.msg).toBe(
      `gateway local (waha): webhooks to POST ${url}/webhooks/local, events call.received, call.accepted, call.rejected, message, message.any`,
    );
    expect(find(/^gateway evo \(evolution\)/)?.msg).toBe(
      `gateway evo (evolution): webhooks to POST ${url}/webhooks/evo/<webhookToken>, events CALL, MESSAGES_UPSERT`,
    );
    expect(find(/^dashboard: /)?.msg).toBe(`dashboard: ${url}/`);
    expect(find(/no token and listen on 0\.0\.0\.0/)?.level).toBe(40);

    const res = await postWebhook(`${url}/webhooks/local`, callReceived({ from: '15550001234@c.us' }), {
      hmacKey: SECRETS.hmacKey,
    });
    expect(res.status).toBe(200);
    const failed = await waitFor('two failed sends', () => {
      const warned = lines.filter((l) => l.level === 40 && /^sendRedirect failed \(attempt/.test(l.msg));
      return warned.length >= 2 ? warned : null;
    });
    expect(failed[0]).toMatchObject({ kind: 'sendRedirect', session: 'default', chat: '…1234', attempt: 1 });
    expect(failed[0]!.msg).toMatch(/attempt 1\): POST \/api\/sendText: .*ECONNREFUSED.*; next try at \d{4}-/);
    expect(failed[1]).toMatchObject({ attempt: 2 });

    // Refused webhooks: one line per reason (the rest counted), the gateway by its configured name or
    // `unknown`, and neither the body nor a header value.
    const junk = JSON.stringify(callReceived({ from: '15550009876@c.us' }));
    for (let i = 0; i < 3; i++) {
      const refused = await postWebhook(`${url}/webhooks/local`, junk, {
        headers: { 'x-webhook-hmac': 'deadbeef-not-a-signature' },
      });
      expect(refused.status).toBe(401);
    }
    expect((await postWebhook(`${url}/webhooks/nobody-${SECRETS.hmacKey.length}`, junk)).status).toBe(404);
    const refusals = await waitFor('the refusal lines', () => {
      const warned = lines.filter((l) => l.level === 40 && /^webhook refused/.test(l.msg));
      return warned.length >= 2 ? warned : null;
    });
    expect(refusals.map((l) => l.msg)).toEqual([
      'webhook refused for gateway local: 401 bad_signature',
      'webhook refused for gateway unknown: 404 unknown_gateway',
    ]);
    expect(refusals[0]).toMatchObject({ gateway: 'local', reason: 'bad_signature', reqId: expect.any(String) });

    await stop();
    expect(output).not.toContain('15550009876');
    expect(output).not.toContain('deadbeef-not-a-signature');
    expect(output).not.toContain('nobody-');
    expect(output).not.toContain('15550001234');
    for (const secret of Object.values(SECRETS)) expect(output).not.toContain(secret);
  });
});
