import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, keptApiToken } from '../../../src/config/index.js';

describe('keptApiToken', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'callbridge-token-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a random token beside the SQLite file on the first start, readable by its owner only', () => {
    const kept = keptApiToken(`sqlite:${join(dir, 'data', 'callbridge.db')}`);
    const file = join(dir, 'data', 'api-token');
    expect(kept).toEqual({ token: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), file, created: true });
    expect(readFileSync(file, 'utf8')).toBe(`${kept!.token}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('reuses it on later starts', () => {
    const url = `sqlite:${join(dir, 'callbridge.db')}`;
    const first = keptApiToken(url)!;
    expect(keptApiToken(url)).toEqual({ ...first, created: false });
    expect(keptApiToken(`sqlite:${join(dir, 'other.db')}`)?.token).toBe(first.token);
  });

  it('makes a different one for another folder', () => {
    const a = keptApiToken(`sqlite:${join(dir, 'a', 'db')}`)!;
    const b = keptApiToken(`sqlite:${join(dir, 'b', 'db')}`)!;
    expect(a.token).not.toBe(b.token);
  });

  it('keeps none for PostgreSQL, whose replicas must share api.token, nor for a database in memory', () => {
    expect(keptApiToken('postgres://app@db/calls')).toBeNull();
    expect(keptApiToken('sqlite::memory:')).toBeNull();
  });

  it('refuses a kept token that is too short, and a folder that is a file, in one line each', () => {
    writeFileSync(join(dir, 'api-token'), 'short\n');
    expect(() => keptApiToken(`sqlite:${join(dir, 'db')}`)).toThrow(
      new ConfigError([
        `api.token: the token kept in ${join(dir, 'api-token')} is shorter than 16 characters; delete the file to have a new one made`,
      ]),
    );
    writeFileSync(join(dir, 'x'), '');
    const db = join(dir, 'x', 'db');
    expect(() => keptApiToken(`sqlite:${db}`)).toThrow(
      new ConfigError([`database: cannot create ${db}: ${join(dir, 'x')} is a file`]),
    );
  });
});
