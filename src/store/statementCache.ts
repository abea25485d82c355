import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

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
