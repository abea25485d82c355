import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe } from 'vitest';
import { openStore, type Dialect, type Store } from '../../src/store/db.js';

/** PostgreSQL for the second run of the store suite and for the replica tests; unset, those are skipped. */
export const PG_URL = process.env.TEST_DATABASE_URL;

/** A database of its own for one test: a fresh SQLite file, or a fresh PostgreSQL schema. */
export interface TestDatabase {
  dialect: Dialect;
  /** The `database` URL a callbridge process can be started with (PostgreSQL: with the schema in its search_path). */
  url: string;
  /** Opens another store (another "replica") on the same database. */
  open(opts?: { poolSize?: number }): Promise<Store>;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'callbridge-store-'));
    const url = `sqlite:${join(dir, 'test.db')}`;
    return {
      dialect,
      url,
      open: () => openStore(url),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (!PG_URL) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `cb_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create schema ${schema}`);
  const sep = PG_URL.includes('?') ? '&' : '?';
  return {
    dialect,
    url: `${PG_URL}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    open: (opts = {}) => openStore(PG_URL, { schema, poolSize: opts.poolSize ?? 10 }),
    drop: () => adminQuery(`drop schema ${schema} cascade`),
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * Declares the same tests for SQLite and PostgreSQL. Without TEST_DATABASE_URL the PostgreSQL
 * block is reported as skipped, and its name says how to run it.
 */
export function describeOnEachDatabase(title: string, body: (dialect: Dialect) => void): void {
  describe(`${title} (SQLite)`, () => body('sqlite'));
  describe.skipIf(!PG_URL)(`${title} (PostgreSQL${PG_URL ? '' : ': set TEST_DATABASE_URL to run'})`, () =>
    body('postgres'),
  );
}

/** A promise to release by hand: holds a transaction open at a chosen point. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** A fresh database, and a store open on it, for each test of the enclosing block. */
export function useFreshStore(dialect: Dialect): { readonly store: Store } {
  const fresh = {} as { store: Store; tdb: TestDatabase };
  beforeEach(async () => {
    fresh.tdb = await createTestDatabase(dialect);
    fresh.store = await fresh.tdb.open();
  });
  afterEach(async () => {
    await fresh.store.close();
    await fresh.tdb.drop();
  });
  return fresh;
}
