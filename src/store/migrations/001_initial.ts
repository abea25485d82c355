import type { CreateTableBuilder, Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/** An auto-increment primary key, spelled the way each database wants it. */
function withId<T extends string>(t: CreateTableBuilder<T, never>, dialect: Dialect) {
  return dialect === 'postgres'
    ? t.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    : t.addColumn('id', 'integer', (c) => c.primaryKey());
}

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await withId(db.schema.createTable('events'), dialect)
    .addColumn('gateway', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('session', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('call_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addUniqueConstraint('events_dedupe', ['gateway', 'event_id'])
    .execute();
  await db.schema.createIndex('events_by_call').on('events').columns(['session', 'call_id']).execute();

  await withId(db.schema.createTable('calls'), dialect)
    .addColumn('session', 'text', (c) => c.notNull())
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('caller', 'text')
    .addColumn('is_video', 'integer', (c) => c.notNull())
    .addColumn('is_group', 'integer', (c) => c.notNull())
    .addColumn('from_me', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('redirect_skipped', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('calls_session_call', ['session', 'call_id'])
    .execute();
  await db.schema.createIndex('calls_by_session').on('calls').columns(['session', 'id']).execute();
  await db.schema.createIndex('calls_by_caller').on('calls').columns(['session', 'caller', 'received_at']).execute();
  await db.schema.createIndex('calls_by_status').on('calls').columns(['status', 'id']).execute();

  await db.schema
    .createTable('callers')
    .addColumn('session', 'text', (c) => c.notNull())
    .addColumn('caller', 'text', (c) => c.notNull())
    .addColumn('last_redirect_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('callers_pk', ['session', 'caller'])
    .execute();

  await withId(db.schema.createTable('actions'), dialect)
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('session', 'text', (c) => c.notNull())
    .addColumn('call_id', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('claimed_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('actions_due').on('actions').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('actions_by_call').on('actions').columns(['session', 'call_id']).execute();

  await withId(db.schema.createTable('action_attempts'), dialect)
    .addColumn('action_id', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('attempts_by_action').on('action_attempts').column('action_id').execute();

  await withId(db.schema.createTable('timers'), dialect)
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('session', 'text', (c) => c.notNull())
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_until', 'bigint')
    .execute();
  await db.schema.createIndex('timers_due').on('timers').column('due_at').execute();
}
