import { expect, it } from 'vitest';
import type { CallerState } from '../../src/domain/types.js';
import { rememberName } from '../../src/store/callers.js';
import { findCall } from '../../src/store/calls.js';
import { saveOptOut } from '../../src/store/optouts.js';
import { findRing } from '../../src/store/ringFacts.js';
import { addVip } from '../../src/store/vips.js';
import { aCall } from '../helpers/calls.js';
import { describeOnEachDatabase, useFreshStore } from '../helpers/stores.js';
import { saveCall, saveCaller } from '../helpers/writes.js';

const ana = '15550000111@c.us';
const ben = '15550000222@c.us';

describeOnEachDatabase("what a person's ring reads", (dialect) => {
  const fresh = useFreshStore(dialect);

  it('counts their calls since the window began, and says whether they are a VIP and opted out', async () => {
    const db = fresh.store.db;
    for (const [i, at] of [1_000, 5_000, 9_000].entries())
      await saveCall(db, aCall({ callId: `a${i}`, caller: ana, receivedAt: at }), null, at);
    await saveCall(db, aCall({ callId: 'b0', caller: ben, receivedAt: 9_000 }), null, 9_000);
    await addVip(db, 'default', ana, null, 2_000);
    await saveOptOut(db, 'default', ana, { at: 3_000 });
    await addVip(db, 'default', ben, 'Ben', 2_000);

    expect((await findRing(db, 'default', null, ana, 5_000)).facts).toEqual({
      recentCalls: 2,
      vip: { name: null },
      optedOut: { at: 3_000 },
    });
    expect((await findRing(db, 'default', 'new', ben, 0)).facts).toEqual({
      recentCalls: 1,
      vip: { name: 'Ben' },
      optedOut: null,
    });
    expect((await findRing(db, 'other', null, ana, 0)).facts).toEqual({ recentCalls: 0, vip: null, optedOut: null });
  });

  it('reads the call when it is known and the caller when they have rung before, as their own reads do', async () => {
    const db = fresh.store.db;
    expect(await findRing(db, 'default', 'c1', ana, 0)).toMatchObject({ call: null, caller: null });

    await saveCall(db, aCall({ callId: 'c1', caller: ana, receivedAt: 1_000, name: 'Ana' }), null, 1_000);
    const state: CallerState = {
      version: 1,
      lastCallAt: 1_000,
      lastRedirectAt: 1_000,
      lastRedirectedCallId: 'c1',
      stressedAt: null,
      escalateUntil: 61_000,
      welcomedAt: 1_000,
      name: null,
    };
    await saveCaller(db, 'default', ana, state, null, 1_000);
    await rememberName(db, 'default', ana, 'Ana');

    const ring = await findRing(db, 'default', 'c1', ana, 0);
    expect(ring.call).toEqual(await findCall(db, 'default', 'c1'));
    expect(ring.call).toMatchObject({ callId: 'c1', caller: ana, name: 'Ana' });
    expect(ring.caller).toEqual({ ...state, name: 'Ana' });
    // A call of another session or id is not theirs; a caller of another session is not them.
    expect(await findRing(db, 'default', 'c2', ana, 0)).toMatchObject({ call: null, caller: { version: 1 } });
    expect(await findRing(db, 'other', 'c1', ana, 0)).toMatchObject({ call: null, caller: null });
    expect(await findRing(db, 'default', 'c1', ben, 0)).toMatchObject({ call: { callId: 'c1' }, caller: null });
  });
});
