import { afterEach, beforeEach, expect, it } from 'vitest';
import { emptyCaller } from '../../src/domain/decide.js';
import { findCaller, saveCaller } from '../../src/store/callers.js';
import type { Dialect, Store } from '../../src/store/db.js';
import { createTestDatabase, describeOnEachDatabase, type TestDatabase } from '../helpers/stores.js';

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
        const state = await findCaller(trx, 'default', '444@c.us');
        await allRead();
        const last = state?.lastRedirectAt;
        if (last != null && now - last < debounce) return false;
        return saveCaller(trx, 'default', '444@c.us', { ...(state ?? emptyCaller), lastRedirectAt: now }, state, now);
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
    expect(await findCaller(store.db, 'default', '444@c.us')).toMatchObject({ lastRedirectAt: 10_000, version: 1 });
  });

  it('within the window nobody wins; after it exactly one of the concurrent deciders does', async () => {
    await raceToRedirect(store, dialect, 1, 10_000, 60_000);
    expect(await raceToRedirect(store, dialect, 8, 20_000, 60_000)).toBe(0);
    expect(await raceToRedirect(store, dialect, 8, 80_000, 60_000)).toBe(1);
    expect(await findCaller(store.db, 'default', '444@c.us')).toMatchObject({ lastRedirectAt: 80_000, version: 2 });
  });

  it('refuses a write over a state that is no longer the stored one', async () => {
    const at = (t: number) => ({ ...emptyCaller, lastRedirectAt: t });
    expect(await saveCaller(store.db, 'default', '555@c.us', at(1), null, 1)).toBe(true);
    expect(await saveCaller(store.db, 'default', '555@c.us', at(2), null, 2)).toBe(false);
    const stored = (await findCaller(store.db, 'default', '555@c.us'))!;
    expect(
      await saveCaller(store.db, 'default', '555@c.us', at(3), { ...stored, version: stored.version - 1 }, 3),
    ).toBe(false);
    expect(await saveCaller(store.db, 'default', '555@c.us', at(3), stored, 3)).toBe(true);
    expect(await saveCaller(store.db, 'default', '555@c.us', at(4), stored, 4)).toBe(false);
    expect(await findCaller(store.db, 'default', '555@c.us')).toMatchObject({ lastRedirectAt: 3, version: 2 });
  });
});
