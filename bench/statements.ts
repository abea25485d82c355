import SQLite from 'better-sqlite3';
import pg from 'pg';

/**
 * Counts and times every SQL statement the process runs, by its text, for `bench/writer.ts
 * --statements`. On SQLite the time is better-sqlite3's call (SQLite's own work, binding the
 * parameters and reading the rows; of an `iterate`, its start only); on PostgreSQL it is the round
 * trip, server and socket.
 * Installed before the store is opened (it wraps the statements as they are prepared); counts from `start()`.
 */
export function countStatements(): { start(): void; report(per: number): string } {
  const stats = new Map<string, { n: number; ns: bigint }>();
  let counting = false;
  const keys = new Map<string, string>();
  const add = (text: string, started: bigint) => {
    const ns = process.hrtime.bigint() - started;
    if (!counting) return;
    let key = keys.get(text);
    if (key === undefined) keys.set(text, (key = text.replace(/\s+/g, ' ').slice(0, 100)));
    const e = stats.get(key) ?? { n: 0, ns: 0n };
    e.n++;
    e.ns += ns;
    stats.set(key, e);
  };

  const sqliteProto = SQLite.prototype as unknown as { prepare(sql: string): Record<string, unknown> };
  const prepare = sqliteProto.prepare;
  sqliteProto.prepare = function (this: unknown, text: string) {
    const stmt = prepare.call(this, text);
    for (const method of ['run', 'get', 'all', 'iterate']) {
      const run = stmt[method] as (...args: unknown[]) => unknown;
      stmt[method] = (...args: unknown[]) => {
        const started = process.hrtime.bigint();
        try {
          return run.apply(stmt, args);
        } finally {
          add(text, started);
        }
      };
    }
    return stmt;
  };

  const pgProto = pg.Client.prototype as unknown as { query(...args: unknown[]): unknown };
  const query = pgProto.query;
  pgProto.query = function (this: unknown, ...args: unknown[]) {
    const started = process.hrtime.bigint();
    const result = query.apply(this, args);
    // The promise form, as Kysely calls it; node-postgres's own callback calls go uncounted.
    if (result instanceof Promise) {
      const q = args[0];
      const text = typeof q === 'string' ? q : (q as { text: string }).text;
      void result.finally(() => add(text, started)).catch(() => {});
    }
    return result;
  };

  const start = () => {
    stats.clear();
    counting = true;
  };
  const report = (per: number) => {
    const rows = [...stats].sort((a, b) => Number(b[1].ns - a[1].ns));
    const count = rows.reduce((sum, [, e]) => sum + e.n, 0);
    const ns = rows.reduce((sum, [, e]) => sum + e.ns, 0n);
    const us = (v: bigint) => (Number(v) / 1e3 / per).toFixed(1).padStart(7);
    return [
      `statements per call ${(count / per).toFixed(2)}, ${us(ns).trim()} µs per call in them; the costliest:`,
      ...rows.slice(0, 15).map(([text, e]) => `${us(e.ns)} µs  ${(e.n / per).toFixed(2).padStart(5)}x  ${text}`),
    ].join('\n');
  };
  return { start, report };
}
