import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_TEST, runCli, serveCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'callbridge-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('callbridge serve', CLI_TEST, () => {
  it('refuses a bad config with the path of the bad key, and no stack trace', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'gateways:',
        '  local: { type: waha, url: "http://127.0.0.1:3001" }',
        'sessions:',
        '  default:',
        '    gateway: local',
        '    redirect: { debounce: soon }',
      ].join('\n'),
    );
    const { code, stderr } = await runCli(['serve', '--config', file]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('callbridge: sessions.default.redirect.debounce: expected a duration like "2m"');
  });

  it('names a missing environment variable', async () => {
    const file = join(dir, 'env.yaml');
    writeFileSync(file, 'api: { token: "${CALLBRIDGE_TOKEN}" }\n');
    const { code, stderr } = await runCli(['serve', '--config', file]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('callbridge: api.token: environment variable CALLBRIDGE_TOKEN is not set');
  });

  it('says which file it cannot read', async () => {
    const { code, stderr } = await runCli(['serve', '--config', join(dir, 'missing.yaml')]);
    expect(code).toBe(1);
    expect(stderr).toContain('cannot read config file');
    expect(stderr).not.toContain('    at ');
  });

  it('explains itself', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: callbridge serve [--config FILE]');
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});

describe('callbridge check', CLI_TEST, () => {
  it('prints the configuration as read, with secrets masked', async () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(
      file,
      [
        'gateways:',
        '  local: { type: waha, url: "http://127.0.0.1:3001", apiKey: "${KEY}" }',
        'sessions:',
        '  default: { gateway: local, ringTimeout: 45s }',
      ].join('\n'),
    );
    const { code, stdout } = await runCli(['check', '--config', file], { env: { KEY: 'super-secret-key' } });
    expect(code).toBe(0);
    expect(stdout).toContain(`# ${file}: valid`);
    expect(stdout).toContain('ringTimeout: 45000');
    expect(stdout).toContain('apiKey: "***"');
    expect(stdout).not.toContain('super-secret-key');
  });

  it('never prints a database password, in the URL or as a parameter', async () => {
    const file = join(dir, 'pg.yaml');
    writeFileSync(
      file,
      'database: "postgres://app:userinfo-secret@db/calls?sslmode=require&password=param-secret&sslpassword=ssl-secret"\n',
    );
    const { code, stdout } = await runCli(['check', '--config', file]);
    expect(code).toBe(0);
    expect(stdout).toContain('url: postgres://app:***@db/calls?sslmode=require&password=***&sslpassword=***');
    for (const secret of ['userinfo-secret', 'param-secret', 'ssl-secret']) expect(stdout).not.toContain(secret);
  });
});

describe('safe by default', CLI_TEST, () => {
  const listening = /callbridge listening on (http:\/\/\S+)/;
  const urlOf = (line: string) => listening.exec(line)![1]!;
  const calls = (url: string, token?: string) =>
    fetch(`${url}/api/calls`, token ? { headers: { authorization: `Bearer ${token}` } } : {}).then((r) => r.status);

  it('with no api.token, makes one on the first start, shows it once, keeps it beside the database and reuses it', async () => {
    const home = mkdtempSync(join(dir, 'first-start-'));
    // The built-in defaults but for the port (3000 may be taken) and where the data goes.
    const file = join(home, 'callbridge.yaml');
    writeFileSync(file, `http: { port: 0 }\ndatabase: "sqlite:${join(home, 'data', 'callbridge.db')}"\n`);

    const first = serveCli(['--config', file]);
    let token: string;
    try {
      const url = urlOf(await first.waitFor(listening));
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const shown = await first.waitFor(/^dashboard: /);
      token = /with the API token (\S+) \(made on this first start, kept in (\S+)\)/.exec(shown)![1]!;
      expect(shown).toBe(
        `dashboard: ${url}/ with the API token ${token} (made on this first start, kept in ${join(home, 'data', 'api-token')})`,
      );
      expect(token.length).toBeGreaterThanOrEqual(32);
      await first.waitFor(/^to open callbridge to the network, set http\.host, api\.token, and for each gateway /);
      expect(readFileSync(join(home, 'data', 'api-token'), 'utf8').trim()).toBe(token);
      expect(statSync(join(home, 'data', 'api-token')).mode & 0o777).toBe(0o600);
      expect(await calls(url)).toBe(401);
      expect(await calls(url, 'a-wrong-token-of-32-characters!!')).toBe(401);
      expect(await calls(url, token)).toBe(200);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const again = serveCli(['--config', file]);
    try {
      const url = urlOf(await again.waitFor(listening));
      expect(await again.waitFor(/^dashboard: /)).toBe(
        `dashboard: ${url}/ with the API token kept in ${join(home, 'data', 'api-token')}`,
      );
      expect(await calls(url, token)).toBe(200);
      expect(await calls(url)).toBe(401);
      expect(again.messages.join('\n')).not.toContain(token);
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });

  const exposed = (more = '') =>
    [
      'http: { host: 0.0.0.0, port: 0 }',
      'gateways:',
      '  local: { type: waha, url: "http://127.0.0.1:3001" }',
      '  evo: { type: evolution, url: "http://127.0.0.1:8080", apiKey: k }',
      'sessions: { default: { gateway: local } }',
      more,
    ].join('\n');

  it('on 0.0.0.0, refuses unsigned gateways and an API without a token, saying what to set', async () => {
    const file = join(dir, 'exposed.yaml');
    writeFileSync(file, exposed());
    const problems = [
      'gateways.local: set hmacKey or webhookToken so only your gateway can post webhooks (or insecure: true to accept unsigned webhooks on 0.0.0.0)',
      'gateways.evo: set jwtKey or webhookToken so only your gateway can post webhooks (or insecure: true to accept unsigned webhooks on 0.0.0.0)',
      'api.token: set a token of at least 16 characters so only you can read calls and callers (or insecure: true to serve the API without one on 0.0.0.0)',
    ];
    const served = await runCli(['serve', '--config', file]);
    expect(served.code).toBe(1);
    expect(served.stderr).toBe(`callbridge: ${problems.join('\n')}\n`);
    const checked = await runCli(['check', '--config', file]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toBe(served.stderr);
  });

  it('on 0.0.0.0 with insecure: true, starts', async () => {
    const home = mkdtempSync(join(dir, 'insecure-'));
    const file = join(home, 'callbridge.yaml');
    writeFileSync(file, exposed(`insecure: true\ndatabase: "sqlite:${join(home, 'callbridge.db')}"`));
    const running = serveCli(['--config', file]);
    try {
      const url = urlOf(await running.waitFor(listening));
      // Listening is not ready: /healthz says so until the warm-up is done.
      await running.waitFor(/ready: warm-up done/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });
});
