import type { Kysely } from 'kysely';

/** VIPs, the frustration quotient, escalation, welcome and conversion: agents in the loop. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const addColumns = async (table: string, columns: Array<[string, 'bigint' | 'integer' | 'text', number?]>) => {
    // One ALTER per column: SQLite adds a single column per statement.
    for (const [name, type, fallback] of columns) {
      await db.schema
        .alterTable(table)
        .addColumn(name, type, (c) => (fallback === undefined ? c : c.notNull().defaultTo(fallback)))
        .execute();
    }
  };
  await addColumns('callers', [
    ['version', 'integer', 0],
    ['last_call_at', 'bigint'],
    ['last_redirected_call_id', 'text'],
    ['stressed_at', 'bigint'],
    ['escalate_until', 'bigint'],
    ['welcomed_at', 'bigint'],
  ]);
  await addColumns('calls', [
    ['is_vip', 'integer', 0],
    ['level', 'text'],
    ['redirected_at', 'bigint'],
    ['converted_at', 'bigint'],
  ]);
  await db.schema.createIndex('callers_by_last_call').on('callers').columns(['session', 'last_call_at']).execute();

  await db.schema
    .createTable('vips')
    .addColumn('session', 'text', (c) => c.notNull())
    .addColumn('caller', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('vips_pk', ['session', 'caller'])
    .execute();
}
