import { expect, it } from 'vitest';
import { saveCall } from '../../src/store/calls.js';
import { saveOptOut } from '../../src/store/optouts.js';
import { findRingFacts } from '../../src/store/ringFacts.js';
import { addVip } from '../../src/store/vips.js';
import { aCall } from '../helpers/calls.js';
import { describeOnEachDatabase, useFreshStore } from '../helpers/stores.js';

const ana = '15550000111@c.us';
const ben = '15550000222@c.us';

describeOnEachDatabase("what a person's new ring reads", (dialect) => {
  const fresh = useFreshStore(dialect);

  it('counts their calls since the window began, and says whether they are a VIP and opted out', async () => {
    const db = fresh.store.db;
    for (const [i, at] of [1_000, 5_000, 9_000].entries())
      await saveCall(db, aCall({ callId: `a${i}`, caller: ana, receivedAt: at }), null, at);
    await saveCall(db, aCall({ callId: 'b0', caller: ben, receivedAt: 9_000 }), null, 9_000);
    await addVip(db, 'default', ana, null, 2_000);
    await saveOptOut(db, 'default', ana, { at: 3_000 });
    await addVip(db, 'default', ben, 'Ben', 2_000);

    expect(await findRingFacts(db, 'default', ana, 5_000)).toEqual({
      recentCalls: 2,
      vip: { name: null },
      optedOut: { at: 3_000 },
    });
    expect(await findRingFacts(db, 'default', ben, 0)).toEqual({
      recentCalls: 1,
      vip: { name: 'Ben' },
      optedOut: null,
    });
    expect(await findRingFacts(db, 'other', ana, 0)).toEqual({ recentCalls: 0, vip: null, optedOut: null });
  });
});
