import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/db.js';
import { statsOf } from '../../src/store/stats.js';
import { statsReader, type StatsReader } from '../../src/store/statsReader.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const day = { from: T0, to: T0 + 86_400_000 };

describe('the stats of a SQLite file, read in a thread of their own', () => {
  let dir: string;
  let store: Store;
  let reader: StatsReader;
  afterEach(async () => {
    await reader.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are the figures the query gives on the HTTP thread, and survive the thread dying', async () => {
    dir = mkdtempSync(join(tmpdir(), 'callbridge-stats-'));
    const file = join(dir, 'stats.db');
    store = await openStore(`sqlite:${file}`);
    const statuses = ['answered', 'missed', 'missed', 'rejected'];
    for (const [i, status] of statuses.entries())
      await store.db
        .insertInto('calls')
        .values({
          session: 'default',
          call_id: `c${i}`,
          caller: '15550000111@c.us',
          is_video: 0,
          is_group: 0,
          from_me: 0,
          is_vip: 0,
          status,
          received_at: T0 + i * 60_000,
          updated_at: T0,
        })
        .execute();
    reader = statsReader(store, file);
    const inPlace = await statsOf(store.db, 'sqlite', day);
    expect(await reader.read(day)).toEqual(inPlace);
    expect(inPlace.calls).toMatchObject({ total: 4, missed: 2 });

    // A thread that died is started again by the next request.
    await reader.close();
    expect(await reader.read({ ...day, session: 'default' })).toEqual(
      await statsOf(store.db, 'sqlite', { ...day, session: 'default' }),
    );
  });
});
