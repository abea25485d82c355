import type { Kysely } from 'kysely';

/**
 * A session's recent calls by time, with the caller: the frustration levels of the callers view
 * count each caller's calls in the window. Without it that count reads every call the session ever
 * had (80 ms on the HTTP thread at 1.4M calls; 0.05 ms with it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('calls_recent').on('calls').columns(['session', 'received_at', 'caller']).execute();
}
