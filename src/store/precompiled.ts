import { PostgresAdapter, type CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema.js';

const PREFIX = '\u0000precompiled:';

/** Stands for the i-th argument while the query is built; typed `never` so it fits any column. */
export type Param = (i: number) => never;
const param: Param = (i) => `${PREFIX}${i}` as never;

/** The PostgreSQL SQL of the precompiled queries, each with the name it is prepared under. */
export const namedStatements = new Map<string, string>();

/**
 * A hot-path query, built and compiled once per database and then run with new parameters.
 * Kysely otherwise builds and compiles every query on every call, which costs more than SQLite
 * takes to run these small statements. `build` must use each `p(i)` as a plain value (no lists
 * whose length varies, no values that change the SQL text); arguments come in the order of `p(i)`.
 *
 * On PostgreSQL each is a named prepared statement, which each connection parses once: parsing
 * and planning are about half of what PostgreSQL spends on these small statements. Its connections
 * plan every run for the run's own parameters (`plan_cache_mode`, see db.ts): a plan made once for
 * all parameters, on a table still small, can pick the wrong index and keep it (a call looked up
 * by session and call id went through `calls_recent`, 630 µs a lookup at 4,000 rows).
 */
export function precompiled<Row>(build: (db: Kysely<Database>, p: Param) => Compilable<Row>): Precompiled<Row> {
  // Keyed by the dialect adapter: one compilation per database kind, shared by its transactions.
  const compiled = new WeakMap<object, { query: CompiledQuery<Row>; slots: number[] }>();
  const bind = (db: Kysely<Database>, ...args: unknown[]): CompiledQuery<Row> => {
    const adapter = db.getExecutor().adapter;
    let c = compiled.get(adapter);
    if (c === undefined) {
      const query = build(db, param).compile();
      // A placeholder in the SQL text was taken for a name (e.g. by `eb.fn`): wrap it in `eb.val`.
      if (query.sql.includes(PREFIX))
        throw new Error(`precompiled query uses a parameter as an identifier: ${query.sql}`);
      const slots = query.parameters.map((v) =>
        typeof v === 'string' && v.startsWith(PREFIX) ? Number(v.slice(PREFIX.length)) : -1,
      );
      c = { query, slots };
      compiled.set(adapter, c);
      if (adapter instanceof PostgresAdapter && !namedStatements.has(query.sql))
        namedStatements.set(query.sql, `callbridge_${namedStatements.size + 1}`);
    }
    const { query, slots } = c;
    return { ...query, parameters: slots.map((s, i) => (s < 0 ? query.parameters[i] : args[s])) };
  };
  const run = (db: Kysely<Database>, ...args: unknown[]) => db.executeQuery<Row>(bind(db, ...args));
  return Object.assign(run, { bind });
}

/** Runs the query with these arguments; `bind` only makes it, to run with others (`writeTogether`). */
export interface Precompiled<Row> {
  (db: Kysely<Database>, ...args: unknown[]): Promise<QueryResult<Row>>;
  bind(db: Kysely<Database>, ...args: unknown[]): CompiledQuery<Row>;
}
