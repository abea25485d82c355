import type { Kysely } from 'kysely';

/**
 * `actions.sending_since`: set, durably, just before an attempt goes on the wire and cleared with its
 * outcome, so whoever takes over an expired lease can tell "may have been sent" from "never tried".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('actions').addColumn('sending_since', 'bigint').execute();
}
