import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_TEST, runCli, serveCli } from '../helpers/cli.js';
import { PG_URL, createTestDatabase } from '../helpers/stores.js';

const PASSWORDS = ['s3cret-pw', 'param-secret', 'ssl-secret'];

function configFile(dir: string, level = 'silent'): string {
  const config = join(dir, 'callbridge.yaml');
  writeFileSync(config, `http: { host: 127.0.0.1, port: 0 }\nlog: { level: ${level} }\n`);
  return config;
}

/** Runs `callbridge serve` with the given database URL until it exits; start-up must fail, so it does quickly. */
async function serve(dir: string, databaseUrl: string): Promise<{ code: number | null; stderr: string }> {
  const { code, stderr } = await runCli(['serve', '--config', configFile(dir)], { env: { DATABASE_URL: databaseUrl } });
  return { code, stderr };
}

describe('start-up with a PostgreSQL database that is not there', CLI_TEST, () => {
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

  it('hides a password given as a parameter too, and in a URL that does not parse', async () => {
    const { code, stderr } = await serve(
      dir,
      'postgres://app:s3cret-pw@127.0.0.1:1/callbridge?password=param-secret&sslpassword=ssl-secret',
    );
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'callbridge: cannot connect to PostgreSQL at postgres://app:***@127.0.0.1:1/callbridge?password=***&sslpassword=***: connect ECONNREFUSED 127.0.0.1:1',
    );
    const malformed = await serve(dir, 'postgres://app:s3cret-pw@127.0.0.1:notaport/callbridge?password=param-secret');
    expect(malformed.code).toBe(1);
    for (const secret of PASSWORDS) expect(malformed.stderr).not.toContain(secret);
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

describe.skipIf(!PG_URL)('start-up on PostgreSQL', CLI_TEST, () => {
  it('logs the database it serves from without its password, in either form', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callbridge-cli-'));
    const db = await createTestDatabase('postgres');
    const url = new URL(db.url);
    // The test server trusts loopback, so these passwords are never checked: only their printing is.
    url.password = 's3cret-pw';
    url.searchParams.set('password', 'param-secret');
    url.searchParams.set('sslpassword', 'ssl-secret');
    const running = serveCli(['--config', configFile(dir, 'info')], {
      env: { DATABASE_URL: url.toString() },
    });
    try {
      const line = await running.waitFor(/callbridge listening on/);
      expect(line).toMatch(/\(database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/.*password=\*\*\*/);
      for (const secret of PASSWORDS) expect(running.messages.join('\n') + running.stderr()).not.toContain(secret);
    } finally {
      expect(await running.stop()).toBe(0);
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('start-up with a SQLite path that cannot be made', CLI_TEST, () => {
  it('names the file in the way, in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callbridge-cli-'));
    try {
      writeFileSync(join(dir, 'x'), '');
      for (const db of [join(dir, 'x', 'db'), join(dir, 'x', 'y', 'db')]) {
        const { code, stderr } = await serve(dir, `sqlite:${db}`);
        expect(code).toBe(1);
        expect(stderr).toBe(`callbridge: database: cannot create ${db}: ${join(dir, 'x')} is a file\n`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
