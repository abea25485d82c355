import { afterEach, beforeEach, expect, it } from 'vitest';
import { emptyCaller } from '../../src/domain/decision.js';
import {
  callerKey,
  countCallsByCaller,
  countCallsOfCallers,
  findCaller,
  listCallerRows,
  listRecentCallers,
} from '../../src/store/callers.js';
import type { Dialect, Store } from '../../src/store/db.js';
import { aCall } from '../helpers/calls.js';
import { createTestDatabase, describeOnEachDatabase, useFreshStore, type TestDatabase } from '../helpers/stores.js';
import { saveCall, saveCaller } from '../helpers/writes.js';

/** Resolves when `n` parties have arrived: every transaction has read before any writes. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return () => {
    if (++arrived === n) release();
    return all;
  };
}

/** Each transaction reads the caller, decides to redirect when the window allows, and compare-and-sets the decision. */
async function raceToRedirect(
  store: Store,
  dialect: Dialect,
  n: number,
  now: number,
  debounce: number,
): Promise<number> {
  // SQLite runs one transaction at a time, so only PostgreSQL can have them all read before any write.
  const allRead = dialect === 'postgres' ? barrier(n) : async () => {};
  const won = await Promise.all(
    Array.from({ length: n }, () =>
      store.db.transaction().execute(async (trx) => {
        const state = await findCaller(trx, 'default', '15550000444@c.us');
        await allRead();
        const last = state?.lastRedirectAt;
        if (last != null && now - last < debounce) return false;
        return saveCaller(
          trx,
          'default',
          '15550000444@c.us',
          { ...(state ?? emptyCaller), lastRedirectAt: now },
          state,
          now,
        );
      }),
    ),
  );
  return won.filter(Boolean).length;
}

describeOnEachDatabase('caller compare-and-set (the debounce)', (dialect) => {
  let tdb: TestDatabase;
  let store: Store;
  beforeEach(async () => {
    tdb = await createTestDatabase(dialect);
    store = await tdb.open({ poolSize: 10 });
  });
  afterEach(async () => {
    await store.close();
    await tdb.drop();
  });

  it('of concurrent first redirects to a new caller, exactly one is recorded', async () => {
    expect(await raceToRedirect(store, dialect, 8, 10_000, 60_000)).toBe(1);
    expect(await findCaller(store.db, 'default', '15550000444@c.us')).toMatchObject({
      lastRedirectAt: 10_000,
      version: 1,
    });
  });

  it('within the window nobody wins; after it exactly one of the concurrent deciders does', async () => {
    await raceToRedirect(store, dialect, 1, 10_000, 60_000);
    expect(await raceToRedirect(store, dialect, 8, 20_000, 60_000)).toBe(0);
    expect(await raceToRedirect(store, dialect, 8, 80_000, 60_000)).toBe(1);
    expect(await findCaller(store.db, 'default', '15550000444@c.us')).toMatchObject({
      lastRedirectAt: 80_000,
      version: 2,
    });
  });

  it('refuses a write over a state that is no longer the stored one', async () => {
    const at = (t: number) => ({ ...emptyCaller, lastRedirectAt: t });
    expect(await saveCaller(store.db, 'default', '15550000555@c.us', at(1), null, 1)).toBe(true);
    expect(await saveCaller(store.db, 'default', '15550000555@c.us', at(2), null, 2)).toBe(false);
    const stored = (await findCaller(store.db, 'default', '15550000555@c.us'))!;
    expect(
      await saveCaller(store.db, 'default', '15550000555@c.us', at(3), { ...stored, version: stored.version - 1 }, 3),
    ).toBe(false);
    expect(await saveCaller(store.db, 'default', '15550000555@c.us', at(3), stored, 3)).toBe(true);
    expect(await saveCaller(store.db, 'default', '15550000555@c.us', at(4), stored, 4)).toBe(false);
    expect(await findCaller(store.db, 'default', '15550000555@c.us')).toMatchObject({ lastRedirectAt: 3, version: 2 });
  });
});

describeOnEachDatabase('the callers view queries', (dialect) => {
  const fresh = useFreshStore(dialect);
  let n = 0;
  /** A call from `caller` on `session` at `at`, and the caller's last call. */
  const ring = async (session: string, caller: string, at: number) => {
    await saveCall(fresh.store.db, aCall({ session, callId: `c${++n}`, caller, receivedAt: at }), null, at);
    const before = await findCaller(fresh.store.db, session, caller);
    await saveCaller(fresh.store.db, session, caller, { ...(before ?? emptyCaller), lastCallAt: at }, before, at);
  };

  it("counts each caller's calls from its own window start, across sessions, in one query", async () => {
    for (const at of [100, 200, 300]) await ring('a', '15550000001@c.us', at);
    for (const at of [100, 200, 300]) await ring('b', '15550000001@c.us', at);
    await ring('a', '15550000002@c.us', 50);
    const counts = await countCallsOfCallers(fresh.store.db, [
      { session: 'a', caller: '15550000001@c.us', since: 200 },
      { session: 'b', caller: '15550000001@c.us', since: 0 },
      { session: 'a', caller: '15550000002@c.us', since: 60 },
      { session: 'a', caller: '15550000003@c.us', since: 0 },
    ]);
    expect(counts).toEqual(
      new Map([
        [callerKey('a', '15550000001@c.us'), 2],
        [callerKey('b', '15550000001@c.us'), 3],
      ]),
    );
    expect(await countCallsOfCallers(fresh.store.db, [])).toEqual(new Map());
  });

  it("counts a session's callers in the window, those with at least `min` calls", async () => {
    for (const at of [100, 200, 300]) await ring('a', '15550000001@c.us', at);
    await ring('a', '15550000002@c.us', 250);
    await ring('b', '15550000003@c.us', 250);
    expect(await countCallsByCaller(fresh.store.db, 'a', 150, 1)).toEqual(
      new Map([
        ['15550000001@c.us', 2],
        ['15550000002@c.us', 1],
      ]),
    );
    expect(await countCallsByCaller(fresh.store.db, 'a', 150, 2)).toEqual(new Map([['15550000001@c.us', 2]]));
  });

  it("lists a session's callers by their last call, of some or all but some", async () => {
    await ring('a', '15550000001@c.us', 100);
    await ring('a', '15550000002@c.us', 300);
    await ring('a', '15550000003@c.us', 200);
    await ring('b', '15550000004@c.us', 400);
    const callers = async (f: { only?: string[]; except?: string[] }) =>
      (await listCallerRows(fresh.store.db, { session: 'a', limit: 10, ...f })).map((r) => r.caller);
    expect(await callers({})).toEqual(['15550000002@c.us', '15550000003@c.us', '15550000001@c.us']);
    expect(await callers({ only: ['15550000001@c.us', '15550000002@c.us'] })).toEqual([
      '15550000002@c.us',
      '15550000001@c.us',
    ]);
    expect(await callers({ only: [] })).toEqual([]);
    expect(await callers({ except: ['15550000002@c.us'] })).toEqual(['15550000003@c.us', '15550000001@c.us']);
    expect(await callers({ except: [] })).toEqual(['15550000002@c.us', '15550000003@c.us', '15550000001@c.us']);
    const recent = await listRecentCallers(fresh.store.db, { since: 200, limit: 2, offset: 1 });
    expect(recent.map((r) => [r.session, r.caller])).toEqual([
      ['a', '15550000002@c.us'],
      ['a', '15550000003@c.us'],
    ]);
  });
});
