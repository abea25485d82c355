import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface PgSchema {
  schema: string;
  /** TEST_DATABASE_URL with the schema as search_path, for callbridge's config. */
  url: string;
  drop(): Promise<void>;
}

/** A fresh schema for one run, so the benchmark never reads or writes anybody's tables. */
export async function createPgSchema(baseUrl: string): Promise<PgSchema> {
  const schema = `callbridge_bench_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
  const u = new URL(baseUrl);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return {
    schema,
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}
