import { CompiledQuery, PostgresAdapter, type Kysely } from 'kysely';
import { namedStatements } from './precompiled.js';
import type { Database } from './schema.js';

/** A write, and what is made of the rows it returns (its RETURNING), there to read once it has run. */
export class Write<T = void> {
  private result: { value: T } | null = null;

  constructor(
    readonly query: CompiledQuery,
    /** Without it, nothing is returned or read. */
    readonly read: ((rows: unknown[]) => T) | null = null,
  ) {}

  settle(rows: unknown[]): void {
    this.result = { value: this.read ? this.read(rows) : (undefined as T) };
  }

  get value(): T {
    if (this.result === null) throw new Error('a write was read before it ran');
    return this.result.value;
  }
}

/** How many combined statements are prepared, at most: their shapes are few, as decisions are. */
const MAX_NAMED = 64;
let named = 0;

/**
 * The combined SQL of each sequence of parts seen, made once: a trie keyed by each part's SQL and
 * whether it is read (V8 keeps a string's hash, so a step is one lookup, where building the text
 * again would scan all of it).
 */
interface Shape {
  sql?: string;
  next: Map<string, Shape>;
  nextRead: Map<string, Shape>;
}
const shapes: Shape = { next: new Map(), nextRead: new Map() };

function combinedSql(writes: Array<Write<unknown>>): string {
  let node = shapes;
  for (const w of writes) {
    const next = w.read ? node.nextRead : node.next;
    let child = next.get(w.query.sql);
    if (child === undefined) next.set(w.query.sql, (child = { next: new Map(), nextRead: new Map() }));
    node = child;
  }
  return (node.sql ??= buildSql(writes));
}

function buildSql(writes: Array<Write<unknown>>): string {
  let offset = 0;
  const parts = writes.map((w, i) => {
    // Every value is a parameter: a quote would be a literal, where a `$n` is no placeholder.
    if (w.query.sql.includes("'")) throw new Error(`writeTogether: a write has a literal: ${w.query.sql}`);
    const at = offset;
    offset += w.query.parameters.length;
    return `w${i} as (${w.query.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + at}`)})`;
  });
  const reads = writes.flatMap((w, i) =>
    w.read ? [`(select coalesce(json_agg(w${i}), '[]') from w${i}) as w${i}`] : [],
  );
  const sql = `with ${parts.join(', ')} select ${reads.length > 0 ? reads.join(', ') : '1'}`;
  // Prepared once per connection, as its parts are (see `precompiled`).
  if (named < MAX_NAMED && writes.every((w) => namedStatements.has(w.query.sql)))
    namedStatements.set(sql, `callbridge_together_${++named}`);
  return sql;
}

/**
 * Runs writes none of which reads what another writes. On PostgreSQL they go as one statement,
 * each a data-modifying WITH query: one round trip for all, where each round trip costs both sides
 * more than these small writes take to run. They then share one snapshot and run in no set order,
 * hence the rule. On SQLite (in process: no round trip to save) they run one after another.
 */
export async function writeTogether(db: Kysely<Database>, writes: Array<Write<unknown>>): Promise<void> {
  if (writes.length < 2 || !(db.getExecutor().adapter instanceof PostgresAdapter)) {
    for (const w of writes) w.settle((await db.executeQuery(w.query)).rows);
    return;
  }
  const sql = combinedSql(writes);
  const { rows } = await db.executeQuery<Record<string, unknown[]>>(
    CompiledQuery.raw(
      sql,
      writes.flatMap((w) => w.query.parameters),
    ),
  );
  writes.forEach((w, i) => w.settle(w.read ? rows[0]![`w${i}`]! : []));
}
