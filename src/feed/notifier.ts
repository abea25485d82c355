import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/**
 * Wakes every replica's live feed once this one's transactions have committed (PostgreSQL's
 * NOTIFY). Not inside the transaction: a NOTIFY there takes, at commit, the database-wide lock that
 * orders the notification queue and holds it through the commit's WAL flush, so every commit that
 * changed a call would wait for every other, and under `lock_timeout` a busy one would fail.
 * One at a time: commits made while one is on its way are announced by the next. Asynchronous
 * commit for it: a notification only says "read the feed", which holds the changes durably.
 */
export function feedNotifier(db: Kysely<Database>, channel: string, onError: (err: unknown) => void): () => void {
  let sending = false;
  let again = false;
  const send = async () => {
    sending = true;
    try {
      do {
        again = false;
        await sql`select set_config('synchronous_commit', 'off', true), pg_notify(${channel}, '')`.execute(db);
      } while (again);
    } catch (err) {
      onError(err);
    } finally {
      sending = false;
    }
  };
  return () => {
    if (sending) again = true;
    else void send();
  };
}
