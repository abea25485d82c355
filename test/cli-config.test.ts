import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'callbridge-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('callbridge serve', () => {
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

describe('callbridge check', () => {
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
