import { parentPort, workerData } from 'node:worker_threads';
import { Sessions } from '../sessions.js';
import { openStore } from '../store/db.js';
import { Pipeline } from './index.js';
import {
  batchedPost,
  type WireEvent,
  type WriterInit,
  type WriterMessage,
  type WriterRequest,
} from './workerPipeline.js';

/** The SQLite writer thread (see WorkerPipeline): the one connection that writes, and its group commit. */
const port = parentPort!;
const init = workerData as WriterInit;
const sessions = new Sessions(init.sessions);
const post = batchedPost<WriterMessage>((batch) => port.postMessage(batch));

try {
  const store = await openStore(init.url);
  const pipeline = new Pipeline(store, sessions, init.lease);
  pipeline.on('callsChanged', (changed) => post({ type: 'callsChanged', changed }));

  const withSession = (e: WireEvent) => ({
    ...e,
    session: e.session === null ? null : (sessions.get(e.session) ?? null),
  });

  const handle = (req: WriterRequest): Promise<unknown> => {
    switch (req.op) {
      case 'ingest':
        return pipeline.ingest(withSession(req.event));
      case 'fireTimer':
        return pipeline.fireTimer(req.timer);
      case 'claimTimers':
        return pipeline.claimTimers(req.limit);
      case 'claimActions':
        return pipeline.claimActions(req.limit);
      case 'recordAttempt':
        return pipeline.recordAttempt(req.action, req.result);
      case 'prune':
        return pipeline.prune(req.table, req.before, req.limit);
      case 'close':
        return pipeline.close().then(() => store.close());
    }
  };

  port.on('message', (batch: Array<WriterRequest & { id: number }>) => {
    for (const m of batch) {
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
