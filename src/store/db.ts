import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration } from 'kysely';
import type pg from 'pg';
import { redactUrl } from '../config/redact.js';
import { makeFolderFor } from '../lib/folder.js';
import * as initial from './migrations/001_initial.js';
import * as agents from './migrations/002_agents.js';
import * as liveFeed from './migrations/003_live_feed.js';
import * as recent from './migrations/004_recent.js';
import * as sending from './migrations/005_sending.js';
import * as conversations from './migrations/006_conversations.js';
import * as queue from './migrations/007_queue.js';
import * as callerNames from './migrations/008_caller_names.js';
import * as feedOrder from './migrations/009_feed_order.js';
import * as doneAttempt from './migrations/010_done_attempt.js';
import type { Database } from './schema.js';
import { cachingStatements, namingStatements } from './statementCache.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** PostgreSQL only: the URL and schema the pool connects with, for clients outside the pool (the live feed's listener). */
  postgres?: { url: string; schema: string };
  close(): Promise<void>;
}

export class DatabaseError extends Error {}

const migrations = (dialect: Dialect): Record<string, Migration> => ({
  '001_initial': { up: (db) => initial.up(db, dialect) },
  '002_agents': { up: (db) => agents.up(db) },
  '003_live_feed': { up: (db) => liveFeed.up(db, dialect) },
  '004_recent': { up: (db) => recent.up(db) },
  '005_sending': { up: (db) => sending.up(db) },
  '006_conversations': { up: (db) => conversations.up(db) },
  '007_queue': { up: (db) => queue.up(db, dialect) },
  '008_caller_names': { up: (db) => callerNames.up(db) },
  '009_feed_order': { up: (db) => feedOrder.up(db, dialect) },
  '010_done_attempt': { up: (db) => doneAttempt.up(db) },
});

/** The file of a `sqlite:<file>` database URL (`:memory:` included), or null for any other database. */
export const sqliteFileOf = (url: string): string | null =>
  url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : null;

/** Opens the database named by `url` (`sqlite:<file>` or `postgres://...`) and brings its schema up to date. */
export async function openStore(url: string, opts: { poolSize?: number; schema?: string } = {}): Promise<Store> {
  const file = sqliteFileOf(url);
  const store = file !== null ? openSqlite(file) : await openPostgres(url, opts);
  try {
    await migrate(store);
  } catch (err) {
    await store.close();
    throw new DatabaseError(`database migration failed: ${(err as Error).message}`);
  }
  return store;
}

function openSqlite(file: string): Store {
  if (file !== ':memory:') {
    try {
      makeFolderFor(file);
    } catch (err) {
      throw new DatabaseError(`database: ${(err as Error).message}`);
    }
  }
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(file);
  } catch (err) {
    throw new DatabaseError(`cannot open SQLite database ${file}: ${(err as Error).message}`);
  }
  sqlite.pragma('journal_mode = WAL');
  // FULL: an acknowledged webhook survives power loss. Group commit keeps it cheap.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  // A checkpoint (two fsyncs, and the copy of every page written since the last one) run by the
  // writer's connection happens inside a COMMIT, and the webhooks of that commit wait for it. The
  // checkpointer thread (pipeline/checkpointer.ts) does them instead; this is only the backstop,
  // should it fall 64 MB behind or stop. The WAL file is cut back to that size when it restarts.
  sqlite.pragma('wal_autocheckpoint = 16000');
  sqlite.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

// int8 columns (ids, epoch-ms times) fit a JS number; pg would hand them over as strings.
const pgTypes = (types: typeof pg.types) => ({
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === types.builtins.INT8
      ? (v: string) => Number(v)
      : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
});

async function openPostgres(url: string, opts: { poolSize?: number; schema?: string }): Promise<Store> {
  // Loaded only here: on SQLite every thread would otherwise hold pg's code (1-2.6 MB of heap each).
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    types: pgTypes(pg.types),
    connectionTimeoutMillis: 5000,
    ...searchPath(opts.schema),
  });
  // An idle connection the server drops (restart, failover) is replaced on next use; without a
  // listener the pool's 'error' event would crash the process.
  pool.on('error', () => {});
  // Prepared statements planned for each run's parameters, never once for all (see precompiled.ts).
  // Queued before the connection's first query, so every statement on it runs with it. PostgreSQL
  // 12 and newer all have the setting: it fails only on a broken connection, which its next query reports.
  pool.on('connect', (client) => void client.query('set plan_cache_mode = force_custom_plan').catch(() => {}));
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end();
    throw new DatabaseError(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${reasonOf(err)}`);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: namingStatements(pool) }) });
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) {
    await db.destroy();
    throw new DatabaseError(
      `PostgreSQL at ${redactUrl(url)}: the search_path names no existing schema; create it first`,
    );
  }
  return { db, dialect: 'postgres', postgres: { url, schema }, close: () => db.destroy() };
}

const searchPath = (schema: string | undefined) => (schema ? { options: `-c search_path=${schema}` } : {});

/** Node reports a refused connection to a name with several addresses as an AggregateError with an empty message. */
function reasonOf(err: unknown): string {
  const e = err as Error & { code?: string; errors?: Error[] };
  if (e.message) return e.message;
  if (e.errors?.length) return [...new Set(e.errors.map((x) => x.message))].join('; ');
  return e.code ?? String(err);
}

async function migrate(store: Store): Promise<void> {
  // Kysely's migrator takes a database lock, so replicas starting together migrate once.
  // On PostgreSQL its bookkeeping tables must be looked up in our schema: unqualified, Kysely
  // finds them in any schema of the database and then fails to use them from ours.
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations(store.dialect) },
    ...(store.postgres ? { migrationTableSchema: store.postgres.schema } : {}),
  });
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (!error) return;
    // The migrator reads the catalog of every schema in the database; another schema dropped
    // during that read (another deployment, a test) fails it with "schema ... does not exist".
    if (!(store.postgres && (error as { code?: string }).code === '3F000' && attempt < 5)) throw error;
  }
}
