import { expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import type { Pipeline } from '../../src/pipeline/index.js';
import { ringEvent, useTwoPipelines } from '../helpers/pipelines.js';
import { describeOnEachDatabase } from '../helpers/stores.js';

const clock = new ManualClock();

describeOnEachDatabase('the pipeline on two replicas sharing one database', (dialect) => {
  const two = useTwoPipelines(dialect, clock);

  it('duplicates delivered to both in opposite orders, many call ids from few callers: one redirect per caller, each event once', async () => {
    const callers = ['15550000001@c.us', '15550000002@c.us', '15550000003@c.us', '15550000004@c.us'];
    const events = Array.from({ length: 60 }, (_, i) => ringEvent(`e${i}`, `call-${i}`, callers[i % callers.length]!));
    const [a, b] = two.replicas as [Pipeline, Pipeline];
    // Each replica gets every event (a gateway delivering twice), in opposite orders, all at once.
    const results = await Promise.all([
      ...events.map((e) => a.ingest(e)),
      ...[...events].reverse().map((e) => b.ingest(e)),
    ]);
    const outcomes = results.map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'processed')).toHaveLength(60);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(60);

    const db = two.stores[0]!.db;
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
