import { afterEach, beforeEach } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { ManualClock } from '../../src/lib/clock.js';
import { Pipeline } from '../../src/pipeline/index.js';
import type { IncomingEvent } from '../../src/pipeline/recordCallEvent.js';
import { Sessions } from '../../src/sessions.js';
import type { Store } from '../../src/store/db.js';
import type { Dialect } from '../../src/store/db.js';
import { createTestDatabase, type TestDatabase } from './stores.js';

/** One session, `default`, on a gateway nobody calls: pipelines decide, nothing is dispatched. */
export const sessions = new Sessions(
  parseConfig(
    { gateways: { local: { type: 'waha', url: 'http://127.0.0.1:9' } }, sessions: { default: { gateway: 'local' } } },
    {},
  ),
);
export const settings = sessions.get('default')!;

/** A ring of `caller` on `default`, as the webhook route hands it to the pipeline. */
export const ringEvent = (eventId: string, callId: string, caller: string): IncomingEvent => ({
  gateway: 'local',
  eventId,
  type: 'call.received',
  session: settings,
  sessionName: 'default',
  event: { type: 'call.ringing', callId, caller, isVideo: false, isGroup: false, fromMe: false },
  body: '{}',
});

/**
 * Two pipelines on one fresh database for each test: on PostgreSQL each with its own pool, as two
 * replicas; SQLite is one process's file, so both share one store.
 */
export function useTwoPipelines(dialect: Dialect, clock = new ManualClock()) {
  let tdb: TestDatabase;
  const state = { stores: [] as Store[], replicas: [] as unknown as [Pipeline, Pipeline], clock };
  beforeEach(async () => {
    tdb = await createTestDatabase(dialect);
    const a = await tdb.open();
    state.stores = dialect === 'postgres' ? [a, await tdb.open()] : [a];
    state.replicas = [
      new Pipeline(state.stores[0]!, sessions, 30_000, clock),
      new Pipeline(state.stores.at(-1)!, sessions, 30_000, clock),
    ];
  });
  afterEach(async () => {
    await Promise.all(state.replicas.map((p) => p.close()));
    await Promise.all(state.stores.map((s) => s.close()));
    await tdb.drop();
  });
  return state;
}
