import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { ManualClock } from '../../src/lib/clock.js';
import { Pipeline } from '../../src/pipeline/index.js';
import type { IncomingEvent } from '../../src/pipeline/recordCallEvent.js';
import { Sessions } from '../../src/sessions.js';
import type { Store } from '../../src/store/db.js';
import { createTestDatabase, describeOnEachDatabase, type TestDatabase } from '../helpers/stores.js';

const sessions = new Sessions(
  parseConfig(
    { gateways: { local: { type: 'waha', url: 'http://127.0.0.1:9' } }, sessions: { default: { gateway: 'local' } } },
    {},
  ),
);
const settings = sessions.get('default')!;
const clock = new ManualClock();

const ring = (eventId: string, callId: string, caller: string): IncomingEvent => ({
  gateway: 'local',
  eventId,
  type: 'call.received',
  session: settings,
  sessionName: 'default',
  event: { type: 'call.ringing', callId, caller, isVideo: false, isGroup: false, fromMe: false },
  body: '{}',
});

describeOnEachDatabase('the pipeline on two replicas sharing one database', (dialect) => {
  let tdb: TestDatabase;
  let stores: Store[] = [];
  let replicas: Pipeline[] = [];
  beforeEach(async () => {
    stores = [];
    replicas = [];
    tdb = await createTestDatabase(dialect);
    // SQLite is one process's file: one store, so "two replicas" are two pipelines on it.
    const a = await tdb.open();
    stores = dialect === 'postgres' ? [a, await tdb.open()] : [a];
    replicas = [
      new Pipeline(stores[0]!, sessions, 30_000, clock),
      new Pipeline(stores.at(-1)!, sessions, 30_000, clock),
    ];
  });
  afterEach(async () => {
    await Promise.all(replicas.map((p) => p.close()));
    await Promise.all(stores.map((s) => s.close()));
    await tdb.drop();
  });

  it('duplicates delivered to both in opposite orders, many call ids from few callers: one redirect per caller, each event once', async () => {
    const callers = ['15550000001@c.us', '15550000002@c.us', '15550000003@c.us', '15550000004@c.us'];
    const events = Array.from({ length: 60 }, (_, i) => ring(`e${i}`, `call-${i}`, callers[i % callers.length]!));
    const [a, b] = replicas as [Pipeline, Pipeline];
    // Each replica gets every event (a gateway delivering twice), in opposite orders, all at once.
    const results = await Promise.all([
      ...events.map((e) => a.ingest(e)),
      ...[...events].reverse().map((e) => b.ingest(e)),
    ]);
    const outcomes = results.map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'processed')).toHaveLength(60);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(60);

    const db = stores[0]!.db;
    const redirects = await db.selectFrom('actions').select(['payload']).where('kind', '=', 'sendRedirect').execute();
    expect(redirects.map((r) => (JSON.parse(r.payload) as { chatId: string }).chatId).sort()).toEqual(callers);
    const calls = await db.selectFrom('calls').select(['call_id', 'redirect_skipped']).execute();
    expect(calls).toHaveLength(60);
    expect(calls.filter((c) => c.redirect_skipped === 'debounced')).toHaveLength(56);
    expect(await db.selectFrom('timers').select('key').execute()).toHaveLength(60);
    const feed = await db.selectFrom('feed').select(['session', 'call_id']).execute();
    expect(new Set(feed.map((f) => f.call_id)).size).toBe(60);
  });
});
