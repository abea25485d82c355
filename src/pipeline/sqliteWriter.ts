import { parentPort, workerData } from 'node:worker_threads';
import type { Clock, ClockTimer } from '../lib/clock.js';
import { watchStalls } from '../lib/stalls.js';
import { Sessions } from '../sessions.js';
import { openStore } from '../store/db.js';
import { Pipeline } from './index.js';
import {
  batchedPost,
  type StampedRequest,
  type WireEvent,
  type WriterInit,
  type WriterMessage,
} from './workerPipeline.js';

/**
 * This thread's time is the HTTP thread's: the moment stamped on the latest request. Each write
 * is given its own request's moment; this is what the group commit's feed rows are stamped with.
 */
class StampedClock implements Clock {
  private latest = 0;

  now(): number {
    return this.latest;
  }

  at(): ClockTimer {
    throw new Error('the writer thread arms no timers: they run in the HTTP thread');
  }

  tell(now: number): void {
    this.latest = now;
  }
}

/** The SQLite writer thread (see WorkerPipeline): the one connection that writes, and its group commit. */
const port = parentPort!;
const init = workerData as WriterInit;
const sessions = new Sessions(init.sessions);
const post = batchedPost<WriterMessage>((batch) => port.postMessage(batch));
const clock = new StampedClock();

try {
  const store = await openStore(init.url);
  const pipeline = new Pipeline(store, sessions, init.lease, clock);
  pipeline.on('callsChanged', (changed) => post({ type: 'callsChanged', changed }));
  pipeline.on('commitTimed', (timing) => post({ type: 'commitTimed', timing }));
  const stalls = watchStalls();

  const withSession = (e: WireEvent) => ({
    ...e,
    session: e.session === null ? null : (sessions.get(e.session) ?? null),
  });

  const handle = (req: StampedRequest): Promise<unknown> => {
    switch (req.op) {
      case 'ingest':
        return pipeline.ingest(withSession(req.event), req.now);
      case 'rehearse':
        return pipeline.rehearse(withSession(req.event), req.now);
      case 'fireTimer':
        return pipeline.fireTimer(req.timer, req.now);
      case 'claimTimers':
        return pipeline.claimTimers(req.limit, req.now);
      case 'claimActions':
        return pipeline.claimActions(req.limit, req.now);
      case 'startSending':
        return pipeline.startSending(req.action, req.at);
      case 'extendLease':
        return pipeline.extendLease(req.actionId, req.sendingSince, req.now);
      case 'recordAttempt':
        return pipeline.recordAttempt(req.action, req.result, req.now);
      case 'prune':
        return pipeline.prune(req.table, req.before, req.limit);
      case 'updateQueue':
        return pipeline.updateQueue(req.cmd, req.now);
      case 'stalls':
        return Promise.resolve(stalls.take());
      case 'close':
        stalls.stop();
        return pipeline.close().then(() => store.close());
    }
  };

  port.on('message', (batch: StampedRequest[]) => {
    for (const m of batch) {
      clock.tell(m.now);
      handle(m).then(
        (value) => post({ type: 'reply', id: m.id, ok: true, value }),
        (err: unknown) => post({ type: 'reply', id: m.id, ok: false, error: (err as Error).message ?? String(err) }),
      );
    }
  });
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'reply', id: 0, ok: false, error: (err as Error).message ?? String(err) });
}
