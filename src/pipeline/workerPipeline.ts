import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { Config } from '../config/index.js';
import type { Clock } from '../lib/clock.js';
import { startThread } from '../lib/threads.js';
import { sqliteFileOf } from '../store/db.js';
import type { Action, AttemptResult } from '../store/actions.js';
import type { HistoryTable } from '../store/retention.js';
import type { DueTimer } from '../store/timers.js';
import type { QueueCommand, QueueOutcome } from '../store/workItems.js';
import type { EventPipeline, PipelineEvents } from './index.js';
import type { Stalls } from '../lib/stalls.js';
import type { CommitTiming } from './groupCommit.js';
import type { Committed, IncomingEvent } from './recordCallEvent.js';
import { ingestWith, type IngestHooks } from './ingestHooks.js';

/**
 * The writer's young generation: V8 lets a busy thread's new space grow to 32 MB (two 16 MB
 * semi-spaces), and the writer's stays there. What it allocates is short-lived: with half that
 * (24 MB of young generation is two 8 MB semi-spaces) it scavenges a third more often, each as short,
 * for about the same GC time.
 */
const WRITER_HEAP = { maxYoungGenerationSizeMb: 24 };

/** What the writer thread is started with. */
export interface WriterInit {
  url: string;
  /** What the thread needs to know every session by its id (`Sessions`). */
  sessions: Pick<Config, 'sessions' | 'alerts'>;
  lease: number;
}

/** An event on its way to the writer: the session goes by its id, the writer has the settings. */
export type WireEvent = Omit<IncomingEvent, 'session'> & { session: string | null };

export type WriterRequest =
  | { op: 'ingest'; event: WireEvent }
  | { op: 'rehearse'; event: WireEvent }
  | { op: 'fireTimer'; timer: DueTimer }
  | { op: 'claimTimers'; limit: number }
  | { op: 'claimActions'; limit: number }
  | { op: 'startSending'; action: Action; at: number }
  | { op: 'extendLease'; actionId: number; sendingSince: number }
  | { op: 'recordAttempt'; action: Action; result: AttemptResult }
  | { op: 'prune'; table: HistoryTable; before: number; limit: number }
  | { op: 'updateQueue'; cmd: QueueCommand }
  | { op: 'stalls' }
  | { op: 'close' };

/**
 * A request as posted: `now` is this thread's clock at sending, the time the writer uses for it,
 * so the writer reads no time of its own and a manual clock in a test drives both threads.
 */
export type StampedRequest = WriterRequest & { id: number; now: number };

export type WriterMessage =
  | { type: 'ready' }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string }
  | { type: 'callsChanged'; changed: PipelineEvents['callsChanged'][0] }
  | { type: 'commitTimed'; timing: CommitTiming };

/** The writer thread is gone: nothing can be stored, so nothing is acknowledged (503: the gateway retries). */
export class WriterStopped extends Error {
  readonly statusCode = 503;
  readonly code = 'database_unavailable';
}

/**
 * Collects messages and posts them as one array per turn of the event loop: between threads a
 * message costs more than its content, and the webhooks read in one turn travel together anyway.
 */
export function batchedPost<T>(post: (batch: T[]) => void): (m: T) => void {
  let batch: T[] = [];
  return (m) => {
    if (batch.length === 0) {
      setImmediate(() => {
        const out = batch;
        batch = [];
        post(out);
      });
    }
    batch.push(m);
  };
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * The pipeline of a SQLite file, run by a writer thread. better-sqlite3 is synchronous: in this
 * thread every statement, commit and fsync of the group commit would hold up reading the next
 * webhooks and sending redirects. Here the writer thread does all of that while this one serves
 * HTTP; requests go over as messages and their commits come back as replies. Enrichment (the CRM
 * and LID lookups) stays here, because it is HTTP and must finish before the event is decided.
 */
export class WorkerPipeline extends EventEmitter<PipelineEvents> implements EventPipeline {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped: WriterStopped | null = null;
  private readonly send = batchedPost<StampedRequest>((batch) => this.worker.postMessage(batch));
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    private readonly checkpointer: Worker,
    private readonly clock: Clock,
    private readonly hooks: IngestHooks,
  ) {
    super();
    worker.on('message', (batch: WriterMessage[]) => {
      for (const m of batch) this.receive(m);
    });
    worker.on('error', (err) => this.fail(`the database writer thread failed: ${err.message}`));
    worker.on('exit', (code) => this.fail(`the database writer thread exited (code ${code})`));
    // Without it the writer's own connection checkpoints, inside its commits (the backstop in db.ts).
    checkpointer.on('error', (err) => this.emit('checkpointerFailed', err));
  }

  /** Starts the writer thread and its checkpointer; resolves once both have opened the database. */
  static async start(init: WriterInit, clock: Clock, hooks: IngestHooks = {}): Promise<WorkerPipeline> {
    const worker = startThread(new URL('./sqliteWriter.js', import.meta.url), init, WRITER_HEAP);
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number) =>
        reject(new Error(`the database writer thread exited (code ${code}) while starting`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', ([m]: WriterMessage[]) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (m?.type === 'ready') resolve();
        else
          reject(
            new Error(
              `the database writer thread failed to start: ${m?.type === 'reply' && !m.ok ? m.error : m?.type}`,
            ),
          );
      });
    });
    // After the writer, which creates the file and its tables.
    const checkpointer = startThread(new URL('./checkpointer.js', import.meta.url), {
      file: sqliteFileOf(init.url),
    });
    await new Promise((resolve, reject) => {
      checkpointer.once('message', resolve);
      checkpointer.once('error', reject);
    });
    return new WorkerPipeline(worker, checkpointer, clock, hooks);
  }

  get depth(): number {
    return this.pending.size;
  }

  get failure(): WriterStopped | null {
    return this.stopped;
  }

  ingest(e: IncomingEvent): Promise<Committed> {
    return ingestWith(this.hooks, e, (enriched, hold) =>
      this.committed({
        op: 'ingest',
        event: { ...enriched, session: enriched.session?.session ?? null, connectionHeld: hold() },
      }),
    );
  }

  async rehearse(e: IncomingEvent): Promise<void> {
    await this.call({ op: 'rehearse', event: { ...e, session: e.session?.session ?? null } });
  }

  fireTimer(timer: DueTimer): Promise<Committed> {
    return this.committed({ op: 'fireTimer', timer });
  }

  claimTimers(limit: number): Promise<DueTimer[]> {
    return this.call({ op: 'claimTimers', limit }) as Promise<DueTimer[]>;
  }

  claimActions(limit: number): Promise<Action[]> {
    return this.call({ op: 'claimActions', limit }) as Promise<Action[]>;
  }

  startSending(action: Action, at: number): Promise<boolean> {
    return this.call({ op: 'startSending', action, at }) as Promise<boolean>;
  }

  extendLease(actionId: number, sendingSince: number): Promise<boolean> {
    return this.call({ op: 'extendLease', actionId, sendingSince }) as Promise<boolean>;
  }

  recordAttempt(action: Action, result: AttemptResult): Promise<Committed> {
    return this.committed({ op: 'recordAttempt', action, result });
  }

  prune(table: HistoryTable, before: number, limit: number): Promise<number> {
    return this.call({ op: 'prune', table, before, limit }) as Promise<number>;
  }

  updateQueue(cmd: QueueCommand): Promise<QueueOutcome> {
    return this.call({ op: 'updateQueue', cmd }) as Promise<QueueOutcome>;
  }

  writerStalls(): Promise<Stalls | null> {
    // A stopped writer has none to say; /metrics still answers.
    return (this.call({ op: 'stalls' }) as Promise<Stalls>).catch(() => null);
  }

  async close(): Promise<void> {
    // First, so that the writer's connection is the database's last and leaves no WAL behind.
    await new Promise((resolve) => {
      this.checkpointer.once('message', resolve);
      this.checkpointer.once('exit', resolve);
      this.checkpointer.postMessage('close');
    });
    await this.checkpointer.terminate();
    if (this.stopped) return;
    await this.call({ op: 'close' });
    this.closing = true;
    await this.worker.terminate();
  }

  private async committed(req: WriterRequest): Promise<Committed> {
    const done = (await this.call(req)) as Committed;
    this.emit('committed', done);
    return done;
  }

  private call(req: WriterRequest): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ ...req, id, now: this.clock.now() });
    });
  }

  private receive(m: WriterMessage): void {
    if (m.type === 'callsChanged') {
      this.emit('callsChanged', m.changed);
      return;
    }
    if (m.type === 'commitTimed') {
      this.emit('commitTimed', m.timing);
      return;
    }
    if (m.type !== 'reply') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(m.error));
  }

  /** Nothing can be stored without the writer: what waits fails, and so does what comes. */
  private fail(why: string): void {
    if (this.closing || this.stopped) return;
    const err = new WriterStopped(`${why}; nothing can be stored until callbridge restarts`);
    this.stopped = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.emit('writerFailed', err);
  }
}
