import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * The agents' work queue: one item per caller needing a person (a missed call, a VIP, a P1), the
 * calls it gathered, and the feed rows that announce its changes (`item_id`; `call_id` is '' there).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('work_items')
    .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
      dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
    )
    .addColumn('session', 'text', (c) => c.notNull())
    .addColumn('caller', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('call_id', 'text')
    .addColumn('message', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_at', 'bigint')
    .addColumn('done_by', 'text')
    .addColumn('done_at', 'bigint')
    .addColumn('resolution', 'text')
    .addColumn('note', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // One open item per caller: a second missed call, VIP call or P1 joins it, whichever replica decides.
  await db.schema
    .createIndex('work_items_one_open')
    .on('work_items')
    .columns(['session', 'caller'])
    .unique()
    .where(sql.ref('done_at'), 'is', null)
    .execute();
  await db.schema.createIndex('work_items_done').on('work_items').column('done_at').execute();

  await db.schema
    .createTable('work_item_calls')
    .addColumn('item_id', 'bigint', (c) => c.notNull())
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('work_item_calls_pk', ['item_id', 'call_id'])
    .execute();

  await db.schema.alterTable('feed').addColumn('item_id', 'bigint').execute();
}
