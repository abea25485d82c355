import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveFeed } from '../../src/feed/liveFeed.js';
import { WorkerPipeline } from '../../src/pipeline/workerPipeline.js';
import { callReceived } from '../../src/sim/webhooks.js';
import { startHarness, waitFor, type Harness } from '../helpers/harness.js';

describe('the SQLite writer thread', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('writes a SQLite file: webhooks are stored and answered through it, across a restart', async () => {
    h = await startHarness();
    expect(h.bridge.pipeline).toBeInstanceOf(WorkerPipeline);
    expect((await h.post(callReceived({ from: '15550000111@c.us' }))).status).toBe(200);
    await h.gateway.waitFor((g) => g.sent.length === 1);
    await h.restart();
    expect((await h.post(callReceived({ from: '15550000222@c.us' }))).status).toBe(200);
    await h.gateway.waitFor((g) => g.sent.length === 2);
    const calls = await h.api<{ calls: unknown[] }>('/api/calls');
    expect(calls.body.calls).toHaveLength(2);
  });

  it('runs the writer with a bounded young generation, so a busy spell leaves no 32 MB new space behind', async () => {
    h = await startHarness();
    const { worker } = h.bridge.pipeline as unknown as { worker: Worker };
    expect(worker.resourceLimits?.maxYoungGenerationSizeMb).toBe(24);
    expect((await h.post(callReceived({ from: '15550000111@c.us' }))).status).toBe(200);
    await h.gateway.waitFor((g) => g.sent.length === 1);
  });

  it('has the WAL checkpointed by a thread of its own: once writes stop, it is copied and cut to nothing', async () => {
    h = await startHarness();
    for (let i = 0; i < 20; i++)
      expect((await h.post(callReceived({ from: `155500010${10 + i}@c.us` }))).status).toBe(200);
    await h.gateway.waitFor((g) => g.sent.length === 20);
    const wal = join(h.dir, 'test.db-wal');
    expect(statSync(wal).size).toBeGreaterThan(0);
    await waitFor('the WAL to be truncated', () => statSync(wal).size === 0, 15_000);
  });

  it('when it stops, webhooks get a 503 naming the cause (nothing is acknowledged), health says so, reads go on', async () => {
    h = await startHarness();
    expect((await h.post(callReceived({ from: '15550000111@c.us' }))).status).toBe(200);
    await h.gateway.waitFor((g) => g.sent.length === 1);

    // White-box: the thread dies as it would on a fatal error inside it.
    await (h.bridge.pipeline as unknown as { worker: Worker }).worker.terminate();
    await waitFor('the pipeline to notice', () => h.bridge.pipeline.failure !== null);

    const refused = await h.post(callReceived({ from: '15550000222@c.us' }));
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({
      code: 'database_unavailable',
      message: expect.stringContaining('writer thread exited'),
    });
    const health = await fetch(`${h.bridge.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ code: 'database_unavailable' });
    const calls = await h.api<{ calls: unknown[] }>('/api/calls');
    expect(calls.status).toBe(200);
    expect(calls.body.calls).toHaveLength(1);
  });

  it('when it dies during start-up, callbridge still starts and refuses webhooks with a 503', async () => {
    let worker: Worker | undefined;
    const start = WorkerPipeline.start.bind(WorkerPipeline);
    const spies = [
      vi.spyOn(WorkerPipeline, 'start').mockImplementation(async (...args) => {
        const p = await start(...args);
        worker = (p as unknown as { worker: Worker }).worker;
        return p;
      }),
      // The live feed starts after the pipeline and before the app: the thread dies in between.
      vi.spyOn(LiveFeed.prototype, 'start').mockImplementationOnce(async function (this: LiveFeed) {
        await worker!.terminate();
        return LiveFeed.prototype.start.call(this);
      }),
    ];
    try {
      h = await startHarness();
    } finally {
      for (const s of spies) s.mockRestore();
    }
    await waitFor('the pipeline to notice', () => h.bridge.pipeline.failure !== null);
    const refused = await h.post(callReceived({ from: '15550000111@c.us' }));
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ code: 'database_unavailable' });
    expect((await fetch(`${h.bridge.url}/healthz`)).status).toBe(503);
  });
});
