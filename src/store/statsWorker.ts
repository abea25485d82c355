import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { parentPort, workerData } from 'node:worker_threads';
import type { Database } from './schema.js';
import { statsOf, type StatsQuery } from './stats.js';

// The stats thread: its own read-only connection to the SQLite file, so a query over months reads
// beside the writer (WAL) and never holds up the HTTP thread's webhooks.

const { file } = workerData as { file: string };
const sqlite = new SQLite(file, { fileMustExist: true });
sqlite.pragma('query_only = ON');
sqlite.pragma('busy_timeout = 5000');
const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
const port = parentPort!;

port.on('message', (m: { id: number; query: StatsQuery }) => {
  statsOf(db, 'sqlite', m.query).then(
    (value) => port.postMessage({ id: m.id, ok: true, value }),
    (err: unknown) => port.postMessage({ id: m.id, ok: false, error: (err as Error).message }),
  );
});
port.postMessage({ ready: true });
