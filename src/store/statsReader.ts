import type { Worker } from 'node:worker_threads';
import { startThread } from '../lib/threads.js';
import type { Store } from './db.js';
import { statsOf, type StatsQuery, type StatsRow } from './stats.js';

export interface StatsReader {
  read(query: StatsQuery): Promise<StatsRow>;
  close(): Promise<void>;
}

type Reply = { id: number; ok: true; value: StatsRow } | { id: number; ok: false; error: string };

/**
 * Where `GET /api/stats` is computed. PostgreSQL runs it on its own server; SQLite (better-sqlite3
 * is synchronous) would run it on the HTTP thread, where a month of a busy database costs every
 * webhook behind it a second, so a SQLite file's stats are read in a thread of their own, started
 * on the first request. An in-memory database has no file to share: read in place.
 */
export function statsReader(store: Store, sqliteFile: string | null): StatsReader {
  if (store.dialect === 'postgres' || sqliteFile === null || sqliteFile === ':memory:')
    return { read: (q) => statsOf(store.db, store.dialect, q), close: async () => {} };

  let thread: Promise<Worker> | null = null;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (r: StatsRow) => void; reject: (e: Error) => void }>();
  const failAll = (err: Error) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };

  const start = () =>
    new Promise<Worker>((resolve, reject) => {
      const worker = startThread(new URL('./statsWorker.js', import.meta.url), {
        file: sqliteFile,
      });
      worker.once('message', () => resolve(worker));
      worker.on('message', (m: Reply | { ready: true }) => {
        if (!('id' in m)) return;
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        if (m.ok) w?.resolve(m.value);
        else w?.reject(new Error(m.error));
      });
      worker.on('error', (err) => {
        failAll(err);
        reject(err);
      });
      // A thread that died is started again by the next request.
      worker.on('exit', (code) => {
        thread = null;
        failAll(new Error(`the stats thread exited (code ${code})`));
      });
    });

  return {
    async read(query) {
      thread ??= start();
      const worker = await thread;
      const id = ++nextId;
      return new Promise<StatsRow>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, query });
      });
    },
    async close() {
      const running = thread;
      thread = null;
      if (running) await (await running.catch(() => null))?.terminate();
    },
  };
}
