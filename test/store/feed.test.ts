import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { appendFeed, lastFeedPosition, readFeed } from '../../src/store/feed.js';
import { FEED_START } from '../../src/store/feedPosition.js';
import { pruneOldest } from '../../src/store/retention.js';
import { describeOnEachDatabase, gate, useFreshStore } from '../helpers/stores.js';
import { waitFor } from '../helpers/harness.js';

const ref = (callId: string) => ({ session: 'default', callId });

describeOnEachDatabase('the feed log', (dialect) => {
  const fresh = useFreshStore(dialect);
  // Other tests' transactions on the same PostgreSQL server hold the horizon back for moments:
  // what a test has committed is read once nothing is held back.
  const read = (after = FEED_START, limit = 10) =>
    waitFor('the feed to be readable past every open transaction', async () => {
      const page = await readFeed(fresh.store.db, dialect, after, limit);
      return page.heldBack ? null : page;
    });
  const head = () =>
    waitFor('the feed to be readable past every open transaction', async () => {
      const now = await lastFeedPosition(fresh.store.db, dialect);
      return now.heldBack ? null : now.position;
    });
  const callIds = async (after = FEED_START) => (await read(after)).changes.map((c) => c.callId);

  it('pages in feed order, one entry per call per page at its latest change', async () => {
    await appendFeed(fresh.store.db, dialect, [ref('a'), ref('b'), ref('a')], 1_000);
    await appendFeed(fresh.store.db, dialect, [ref('c'), ref('a')], 2_000);
    const all = await read();
    expect(all.changes.map((c) => c.callId)).toEqual(['b', 'c', 'a']);
    expect(all.more).toBe(false);
    expect(all.end).toEqual(await head());
    const first = await read(FEED_START, 2);
    expect(first.more).toBe(true);
    const rest = await read(first.end);
    expect([...first.changes, ...rest.changes].map((c) => c.callId)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('places rows from before the upgrade (tx 0) first, so their numeric cursors resume exactly', async () => {
    const old = await fresh.store.db
      .insertInto('feed')
      .values({ session: 'default', call_id: 'old', item_id: null, created_at: 1_000, tx: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await appendFeed(fresh.store.db, dialect, [ref('new')], 2_000);
    expect(await callIds()).toEqual(['old', 'new']);
    expect(await callIds({ tx: 0, id: old.id })).toEqual(['new']);
  });

  // SQLite has one writer at a time; the hazard exists only with concurrent writers.
  it.skipIf(dialect === 'sqlite')(
    'lets writers commit in any order without waiting for each other; a reader passes no change an open transaction may still precede',
    async () => {
      const db = fresh.store.db;
      await appendFeed(db, dialect, [ref('zero')], 1_000);
      const atStart = await head();
      // Writer 1 appends and stays open; writer 2 appends after it and commits.
      const hold = gate();
      let appended = false;
      const w1 = db.transaction().execute(async (trx) => {
        await appendFeed(trx, dialect, [ref('first')], 1_000);
        appended = true;
        await hold.promise;
      });
      try {
        await waitFor('writer 1 to append', () => appended);
        const w2 = db.transaction().execute((trx) => appendFeed(trx, dialect, [ref('second')], 1_000));
        const waited = sleep(2_000).then(() => 'writer 2 waited for writer 1');
        expect(await Promise.race([w2.then(() => 'committed'), waited])).toBe('committed');

        // Writer 2's row is committed, but writer 1 may still commit a row before it: it waits.
        const during = await readFeed(db, dialect, atStart, 10);
        expect(during).toMatchObject({ changes: [], end: atStart, more: false, heldBack: true });
        expect(await lastFeedPosition(db, dialect)).toEqual({ position: atStart, heldBack: true });
      } finally {
        hold.open();
      }
      await w1;
      const all = await read();
      expect(all.changes.map((c) => c.callId)).toEqual(['zero', 'first', 'second']);
      const [, first, second] = all.changes.map((c) => c.position);
      expect(second!.tx).toBeGreaterThan(first!.tx);
      expect(await head()).toEqual(second);
      // A cursor taken at any point resumes with exactly what came after it.
      expect(await callIds(atStart)).toEqual(['first', 'second']);
      expect(await callIds(first)).toEqual(['second']);
      expect(await callIds(second)).toEqual([]);
    },
  );

  it.skipIf(dialect === 'sqlite')(
    'gives rows inserted without a tx (by a replica of the previous version) their transaction',
    async () => {
      await appendFeed(fresh.store.db, dialect, [ref('new')], 1_000);
      await fresh.store.db
        .insertInto('feed')
        .values({ session: 'default', call_id: 'from-old-replica', item_id: null, created_at: 1_000 })
        .execute();
      const [fromNew, fromOld] = (await read()).changes.map((c) => c.position);
      expect(fromOld!.tx).toBeGreaterThan(fromNew!.tx);
    },
  );

  it('prunes changes older than the retention', async () => {
    await appendFeed(fresh.store.db, dialect, [ref('old')], 1_000);
    await appendFeed(fresh.store.db, dialect, [ref('new')], 5_000);
    expect(await pruneOldest(fresh.store.db, 'feed', 2_000, 500)).toBe(1);
    expect(await callIds()).toEqual(['new']);
  });
});
