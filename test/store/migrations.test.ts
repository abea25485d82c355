import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.js';
import { createTestDatabase, describeOnEachDatabase, type TestDatabase } from '../helpers/stores.js';

describeOnEachDatabase('migrations', (dialect) => {
  let tdb: TestDatabase;
  const opened: Store[] = [];
  beforeEach(async () => {
    tdb = await createTestDatabase(dialect);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await tdb.drop();
  });

  it('several replicas starting at once on an empty database all come up, and migrate it once', async () => {
    // On SQLite one process owns the file; the concurrency that matters is PostgreSQL's.
    const n = dialect === 'postgres' ? 5 : 1;
    const stores = await Promise.all(Array.from({ length: n }, () => tdb.open({ poolSize: 2 })));
    opened.push(...stores);
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      stores[0]!.db,
    );
    expect(rows.map((r) => r.name)).toEqual([
      '001_initial',
      '002_agents',
      '003_live_feed',
      '004_recent',
      '005_sending',
      '006_conversations',
      '007_queue',
      '008_caller_names',
      '009_feed_order',
      '010_done_attempt',
    ]);
    for (const s of stores) expect(await s.db.selectFrom('calls').select('id').execute()).toEqual([]);
    opened.push(await tdb.open());
  });
});
