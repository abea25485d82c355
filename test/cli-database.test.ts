import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PG_URL } from './helpers/stores.js';

/** Runs `callbridge serve` with the given database URL until it exits; start-up must fail, so it does quickly. */
function serve(dir: string, databaseUrl: string): Promise<{ code: number | null; stderr: string }> {
  const config = join(dir, 'callbridge.yaml');
  writeFileSync(config, 'http: { host: 127.0.0.1, port: 0 }\nlog: { level: silent }\n');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--config', config], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('start-up with a PostgreSQL database that is not there', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'callbridge-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names the server and the reason in one line, hides the password, and shows no stack trace', async () => {
    const { code, stderr } = await serve(dir, 'postgres://app:s3cret-pw@127.0.0.1:1/callbridge');
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'callbridge: cannot connect to PostgreSQL at postgres://app:***@127.0.0.1:1/callbridge: connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it('says when the URL is malformed', async () => {
    const { code, stderr } = await serve(dir, 'postgres://app@127.0.0.1:notaport/callbridge');
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'callbridge: cannot connect to PostgreSQL at postgres://app@127.0.0.1:notaport/callbridge: Invalid URL',
    );
  });

  it.skipIf(!PG_URL)('names a database that does not exist on a reachable server', async () => {
    const url = new URL(PG_URL!);
    url.pathname = '/callbridge_no_such_db';
    const { code, stderr } = await serve(dir, url.toString());
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^callbridge: cannot connect to PostgreSQL at .*\/callbridge_no_such_db: database "callbridge_no_such_db" does not exist\n$/,
    );
  });
});
