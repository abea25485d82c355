import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { recordEvent } from '../../src/store/events.js';
import { emptyCaller } from '../../src/domain/decision.js';
import { callerWrite, findCaller } from '../../src/store/callers.js';
import { callWrite, findCall } from '../../src/store/calls.js';
import { writeTogether } from '../../src/store/together.js';
import { namedStatements } from '../../src/store/precompiled.js';
import { aCall, aStoredEvent } from '../helpers/calls.js';
import { createTestDatabase, PG_URL } from '../helpers/stores.js';

describe.skipIf(!PG_URL)(
  `PostgreSQL statements of the hot path${PG_URL ? '' : ' (skipped: set TEST_DATABASE_URL to run)'}`,
  () => {
    it('the hot path is prepared once per connection, and each run planned for its own parameters', async () => {
      const tdb = await createTestDatabase('postgres');
      // One connection: what it has prepared is what every statement went through.
      const store = await tdb.open({ poolSize: 1 });
      try {
        const db = store.db;
        const fresh: boolean[] = [];
        for (const id of ['e1', 'e2', 'e1']) fresh.push(await recordEvent(db, aStoredEvent(id)));
        expect(fresh).toEqual([true, true, false]);
        // The prepared statement returns what the unprepared one did: the duplicate was told apart.
        expect(await db.selectFrom('events').select('event_id').orderBy('id').execute()).toEqual([
          { event_id: 'e1' },
          { event_id: 'e2' },
        ]);
        // Run more than the five times after which PostgreSQL would otherwise keep one plan for all,
        // on a table small enough for that plan to take the wrong index.
        for (let i = 0; i < 8; i++) {
          await writeTogether(db, [callWrite(db, aCall({ callId: `c${i}`, receivedAt: i }), null, i)]);
          expect(await findCall(db, 'default', `c${i}`)).toMatchObject({ callId: `c${i}` });
        }
        const { rows } = await sql<{ name: string; statement: string }>`
          select name, statement from pg_prepared_statements order by name`.execute(db);
        for (const r of rows) expect(namedStatements.get(r.statement)).toBe(r.name);
        expect(rows.map((r) => r.statement.slice(0, 20)).sort()).toEqual([
          'insert into "calls" ',
          'insert into "events"',
          'select * from "calls',
        ]);
        expect(
          (await sql<{ mode: string }>`select current_setting('plan_cache_mode') as mode`.execute(db)).rows,
        ).toEqual([{ mode: 'force_custom_plan' }]);
        // Planned for each run's own parameters: once the table has grown, each run picks its index anew.
        const plans = await sql<{ statement: string; generic_plans: number; custom_plans: number }>`
          select statement, generic_plans, custom_plans from pg_prepared_statements`.execute(db);
        const lookup = plans.rows.find((r) => r.statement.startsWith('select'))!;
        expect([Number(lookup.generic_plans), Number(lookup.custom_plans)]).toEqual([0, 8]);
      } finally {
        await store.close();
        await tdb.drop();
      }
    });

    it('writes made together are prepared as one statement, and read as each alone', async () => {
      const tdb = await createTestDatabase('postgres');
      const store = await tdb.open({ poolSize: 1 });
      try {
        const db = store.db;
        const first = aCall({ callId: 'c1' });
        const newCaller = { ...emptyCaller, lastCallAt: 1 };
        await writeTogether(db, [
          callWrite(db, first, null, 1),
          callerWrite(db, 'default', CALLER, newCaller, null, 1),
        ]);
        const stored = (await findCaller(db, 'default', CALLER))!;
        const update = callerWrite(db, 'default', CALLER, { ...stored, lastCallAt: 2 }, stored, 2);
        const stale = callerWrite(db, 'default', CALLER, { ...stored, lastCallAt: 3 }, stored, 3);
        await writeTogether(db, [callWrite(db, aCall({ callId: 'c2' }), null, 2), update]);
        await writeTogether(db, [callWrite(db, aCall({ callId: 'c3' }), null, 3), stale]);
        expect([update.value, stale.value]).toEqual([true, false]);
        const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db);
        const together = rows.filter((r) => r.statement.startsWith('with ')).map((r) => r.statement);
        // One with the new caller's insert, one with the known caller's update (a compare-and-set).
        expect(together.map((t) => t.includes('update "callers"')).sort()).toEqual([false, true]);
        expect(await findCaller(db, 'default', CALLER)).toMatchObject({ version: stored.version + 1, lastCallAt: 2 });
      } finally {
        await store.close();
        await tdb.drop();
      }
    });
  },
);

const CALLER = '15550000999@c.us';
