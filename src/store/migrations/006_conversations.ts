import type { Kysely } from 'kysely';

/**
 * Conversations: what each call's text was chosen by (open or closed hours, the caller's language,
 * the template and its variant), the name the caller was greeted with and their reply; the exact
 * text each send delivered; and callers who wrote an opt-out keyword.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const addColumns = async (table: string, columns: Array<[string, 'bigint' | 'integer' | 'text']>) => {
    // One ALTER per column: SQLite adds a single column per statement.
    for (const [name, type] of columns) await db.schema.alterTable(table).addColumn(name, type).execute();
  };
  await addColumns('calls', [
    ['name', 'text'],
    ['closed', 'integer'],
    ['language', 'text'],
    ['template', 'text'],
    ['variant_index', 'integer'],
    ['variant_id', 'text'],
    ['reply', 'text'],
  ]);
  await addColumns('actions', [['sent_text', 'text']]);

  await db.schema
    .createTable('optouts')
    .addColumn('session', 'text', (c) => c.notNull())
    .addColumn('caller', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('optouts_pk', ['session', 'caller'])
    .execute();
}
