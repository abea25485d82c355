import type { Kysely } from 'kysely';

/**
 * Recent activity, for the callers view. `calls_recent`: a session's calls by time, with the
 * caller, so counting each caller's calls in the frustration window reads the window, not the
 * session's history (80 ms at 1.4M calls without it, 0.05 ms with it). `callers_recent`: callers
 * of every session by their last call, so the view across sessions is one walk down that index,
 * not a query per session (123 ms for 300 sessions).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('calls_recent').on('calls').columns(['session', 'received_at', 'caller']).execute();
  await db.schema.createIndex('callers_recent').on('callers').column('last_call_at').execute();
}
