import type { Kysely } from 'kysely';

/**
 * `callers.name`: the name a text to the caller was last delivered with (the VIP list's, the
 * CRM's or the gateway's contact), so their next calls, skipped ones included, carry it too.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('callers').addColumn('name', 'text').execute();
}
