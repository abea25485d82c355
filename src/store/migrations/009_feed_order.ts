import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * `feed.tx`: the transaction that wrote the row, the first half of its feed position
 * (store/feed.ts). Rows already there keep 0: they were written in id order, under the lock that
 * ordered writers before, and come before every later row.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('feed')
    .addColumn('tx', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  if (dialect === 'postgres') {
    // Set after the column exists, so existing rows keep 0. Replicas of the previous version,
    // still running during a rolling update, insert no tx: this places their rows in order too.
    await sql`alter table feed alter column tx set default (pg_current_xact_id()::text::bigint)`.execute(db);
  }
  await db.schema.createIndex('feed_tx_id').on('feed').columns(['tx', 'id']).execute();
}
