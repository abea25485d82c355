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
    it('the INSERTs marked named are prepared once per connection, and the lookups are not', async () => {
      const tdb = await createTestDatabase('postgres');
      // One connection: what it has prepared is what every statement went through.
      const store = await tdb.open({ poolSize: 1 });
      try {
        const fresh: boolean[] = [];
        for (const id of ['e1', 'e2', 'e1']) fresh.push(await recordEvent(store.db, aStoredEvent(id)));
        expect(fresh).toEqual([true, true, false]);
        expect(await findCall(store.db, 'default', 'c1')).toBeNull();
        const { rows } = await sql<{ name: string; statement: string }>`
          select name, statement from pg_prepared_statements`.execute(store.db);
        expect(rows).toHaveLength(1);
        expect(rows[0]!.statement).toMatch(/^insert into "events"/);
        expect(namedStatements.get(rows[0]!.statement)).toBe(rows[0]!.name);
        // The named statement returns what the unnamed one did: the duplicate was told apart.
        expect(await store.db.selectFrom('events').select('event_id').orderBy('id').execute()).toEqual([
          { event_id: 'e1' },
          { event_id: 'e2' },
        ]);
      } finally {
        await store.close();
        await tdb.drop();
      }
    });

    it('writes made together are prepared when every one of them is such an INSERT, and not otherwise', async () => {
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
        // An update has a WHERE: written with it, the call is not prepared either.
        await writeTogether(db, [
          callWrite(db, aCall({ callId: 'c2' }), null, 2),
          callerWrite(db, 'default', CALLER, { ...stored, lastCallAt: 2 }, stored, 2),
        ]);
        const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db);
        expect(rows.map((r) => r.statement.slice(0, 33))).toEqual(['with w0 as (insert into "calls" (']);
        expect(await findCall(db, 'default', 'c2')).toMatchObject({ callId: 'c2' });
        expect(await findCaller(db, 'default', CALLER)).toMatchObject({ version: stored.version + 1, lastCallAt: 2 });
      } finally {
        await store.close();
        await tdb.drop();
      }
    });
  },
);

const CALLER = '15550000999@c.us';
