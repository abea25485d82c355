import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommit, StaleDecision } from '../../src/pipeline/groupCommit.js';
import { openStore, type Store } from '../../src/store/db.js';

const caller = (n: number) => ({
  session: 'default',
  caller: `1555000000${n}@c.us`,
  version: 1,
  last_redirect_at: null,
  updated_at: 0,
});

describe('group commit', () => {
  let store: Store;
  afterEach(() => store.close());

  it('undoes and rejects only the failing job of a batch; the others commit', async () => {
    store = await openStore('sqlite::memory:');
    const commit = new GroupCommit(store);
    const results = await Promise.allSettled([
      commit.run((trx) => trx.insertInto('callers').values(caller(1)).execute()),
      commit.run(async (trx) => {
        await trx.insertInto('callers').values(caller(2)).execute();
        throw new Error('this job fails after writing');
      }),
      commit.run((trx) => trx.insertInto('callers').values(caller(3)).execute()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const stored = await store.db.selectFrom('callers').select('caller').orderBy('caller').execute();
    expect(stored.map((r) => r.caller)).toEqual(['15550000001@c.us', '15550000003@c.us']);
  });

  it('runs a job again when its decision went stale, with the rest of the batch intact', async () => {
    store = await openStore('sqlite::memory:');
    const commit = new GroupCommit(store);
    let runs = 0;
    const [, stale] = await Promise.all([
      commit.run((trx) => trx.insertInto('callers').values(caller(1)).execute()),
      commit.run(async (trx) => {
        runs++;
        if (runs < 3) throw new StaleDecision('caller');
        await trx.insertInto('callers').values(caller(2)).execute();
        return 'done';
      }),
    ]);
    expect(stale).toBe('done');
    expect(await store.db.selectFrom('callers').select('caller').orderBy('caller').execute()).toHaveLength(2);
  });

  it('commits a rider with the next batch, or on its own after the rider delay', async () => {
    store = await openStore('sqlite::memory:');
    const commit = new GroupCommit(store, { maxBatch: 500, maxInFlight: 1, maxRiderDelay: 60_000 });
    const rider = commit.later((trx) => trx.insertInto('callers').values(caller(1)).execute());
    await commit.run((trx) => trx.insertInto('callers').values(caller(2)).execute());
    await rider;
    expect(await store.db.selectFrom('callers').select('caller').execute()).toHaveLength(2);

    const alone = new GroupCommit(store, { maxBatch: 500, maxInFlight: 1, maxRiderDelay: 10 });
    await alone.later((trx) => trx.insertInto('callers').values(caller(3)).execute());
    expect(await store.db.selectFrom('callers').select('caller').execute()).toHaveLength(3);
  });
});
