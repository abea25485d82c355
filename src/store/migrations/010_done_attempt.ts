import type { Kysely } from 'kysely';

/**
 * `actions.done_started_at` and `done_duration_ms`: the attempt that succeeded, kept on the action
 * itself. Nearly every action succeeds at its first try; a row in `action_attempts` for each was
 * one more insert (and index entry) per text sent. Failed, retried and expired tries still get
 * their rows: they are the history worth reading.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('actions').addColumn('done_started_at', 'bigint').execute();
  await db.schema.alterTable('actions').addColumn('done_duration_ms', 'integer').execute();
}
