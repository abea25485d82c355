import type SQLite from 'better-sqlite3';
import type { PostgresPool, PostgresPoolClient, SqliteDatabase, SqliteStatement } from 'kysely';
import type pg from 'pg';
import { namedStatements } from './precompiled.js';

/**
 * Kysely's SQLite driver prepares every query it runs; preparing costs about as much as running
 * a small statement. This hands it the statement prepared the last time the same SQL came by.
 * Bounded, oldest out first: `where id in (?, ?, ...)` lists make a new SQL text per length.
 */
export function cachingStatements(sqlite: SQLite.Database, maxEntries = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let stmt = cache.get(sql);
      if (stmt === undefined) {
        stmt = sqlite.prepare(sql);
        cache.set(sql, stmt);
        if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    },
  };
}

/**
 * Kysely's PostgreSQL driver sends every query unnamed, so the server parses and plans it on every
 * run. This sends the queries `precompiled` marks `named` as named statements, which node-postgres
 * prepares once per connection.
 */
export function namingStatements(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      const query = (text: unknown, values?: readonly unknown[]) => {
        const name = typeof text === 'string' ? namedStatements.get(text) : undefined;
        return name === undefined
          ? client.query(text as string, values as unknown[])
          : client.query({ name, text: text as string, values: values as unknown[] });
      };
      return { query: query as unknown as PostgresPoolClient['query'], release: (destroy) => client.release(destroy) };
    },
    end: () => pool.end(),
  };
}
