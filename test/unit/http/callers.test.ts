import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyCaller } from '../../../src/domain/decision.js';
import { callerRoutes } from '../../../src/http/callers.js';
import { installErrorHandling } from '../../../src/http/errors.js';
import { installSessionResolver } from '../../../src/http/session.js';
import { ManualClock } from '../../../src/lib/clock.js';
import { Sessions } from '../../../src/sessions.js';
import { openStore, type Store } from '../../../src/store/db.js';
import { aCall } from '../../helpers/calls.js';
import { testConfig } from '../../helpers/harness.js';
import { saveCall, saveCaller } from '../../helpers/writes.js';

describe('the callers API reads time from its clock', () => {
  let store: Store;
  let clock: ManualClock;
  let app: ReturnType<typeof Fastify>;
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
    clock = new ManualClock();
    const sessions = new Sessions(testConfig(':memory:', 'http://127.0.0.1:1'));
    app = Fastify();
    installErrorHandling(app);
    installSessionResolver(app, sessions);
    await app.register(callerRoutes, { store, sessions, clock });
  });
  afterEach(async () => {
    await app.close();
    await store.close();
  });

  it("counts the window and the escalation at the clock's now, not the machine's", async () => {
    const now = clock.now();
    const caller = '15550001111@c.us';
    for (const [i, at] of [now - 60_000, now - 30_000, now].entries())
      await saveCall(store.db, aCall({ callId: `c${i}`, caller, receivedAt: at }), null, at);
    const state = { ...emptyCaller, lastCallAt: now, stressedAt: now, escalateUntil: now + 1_800_000 };
    await saveCaller(store.db, 'default', caller, state, null, now);
    const get = async (url: string) => (await app.inject(url)).json();

    expect(await get(`/api/callers/default/${caller}`)).toMatchObject({
      callsInWindow: 3,
      level: 'elevated',
      escalation: { pending: true, until: new Date(now + 1_800_000).toISOString() },
    });
    clock.advance('31m');
    expect(await get(`/api/callers/default/${caller}`)).toMatchObject({
      callsInWindow: 0,
      level: 'calm',
      escalation: { pending: false, until: null },
    });
    expect((await get('/api/callers')).callers).toMatchObject([{ caller, callsInWindow: 0, level: 'calm' }]);
  });
});
