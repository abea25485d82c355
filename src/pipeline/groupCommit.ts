import { sql, type Kysely } from 'kysely';
import type { Store } from '../store/db.js';
import type { FeedRef } from '../store/feed.js';
import type { Database } from '../store/schema.js';

/** Thrown by a job whose decision was made on state another writer has since changed: the job runs again. */
export class StaleDecision extends Error {
  constructor(what: string) {
    super(`stale decision: ${what} changed concurrently`);
  }
}

// PostgreSQL serialization failure: the job's work is undone to its savepoint and run again at once.
const retryableCodes = new Set(['40001']);
const isRetryable = (err: unknown) =>
  err instanceof StaleDecision || retryableCodes.has((err as { code?: string } | null)?.code ?? '');
// A deadlock (40P01) or a lock wait past lock_timeout (55P03): another transaction holds what this job
// needs and may be waiting for what earlier jobs of this batch hold. Running the job again in the same
// transaction would wait again, and so would the rest of the batch (two replicas given the same
// duplicates in opposite orders block each other on every row), so the job and those after it are
// queued for a later transaction, and this one commits what it has, releasing its locks.
const deferrableCodes = new Set(['40P01', '55P03']);
const isDeferrable = (err: unknown) => deferrableCodes.has((err as { code?: string } | null)?.code ?? '');

const MAX_JOB_RUNS = 5;
const MAX_DEFERRALS = 10;
// Shorter than PostgreSQL's 1s deadlock_timeout, long enough for a competing batch to commit.
const PG_LOCK_TIMEOUT = '200ms';

interface Job {
  work: (trx: Kysely<Database>) => Promise<unknown>;
  changed: ((value: unknown) => FeedRef[]) | undefined;
  deferrals: number;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

type Outcome =
  | { ok: true; value: unknown }
  | { ok: false; error: unknown }
  /** `error` is set for the job that met the conflict, not for those deferred with it. */
  | { deferred: true; error: unknown };

export interface GroupCommitOptions {
  maxBatch: number;
  maxInFlight: number;
  /** How long a job submitted with `later` may wait for a batch to ride in, ms. */
  maxRiderDelay: number;
  /** Runs last in every transaction whose jobs changed calls or work items (the live feed's writes). */
  beforeCommit?: (trx: Kysely<Database>, changed: FeedRef[]) => Promise<void>;
  /** After such a transaction has committed. */
  afterCommit?: (changed: FeedRef[]) => void;
  /** After every transaction, committed or not: how long it took, for the stall metrics. */
  onCommit?: (t: CommitTiming) => void;
}

export interface CommitTiming {
  /** When the transaction began, as `performance.timeOrigin + performance.now()` (comparable across processes). */
  at: number;
  /** Begin to durable commit, ms. */
  ms: number;
  /** Of which the COMMIT itself (the WAL write and its fsync on SQLite), ms. */
  commitMs: number;
  jobs: number;
  /** Jobs that rode along (`later`: outbox outcomes). */
  riders: number;
  ok: boolean;
}

/**
 * Group commit: jobs submitted while a transaction is being written wait and share the next one,
 * so one durable commit (one fsync) acknowledges many webhooks. A batch is first written plainly;
 * only when a job fails is it written again with each job in its own savepoint, so a failing job
 * is undone and rejected alone and the rest commits. Jobs must therefore be safe to run again:
 * they only touch the transaction.
 */
export class GroupCommit {
  private queue: Job[] = [];
  /** Jobs that join the next batch rather than start one (see `later`). */
  private riders: Job[] = [];
  private ridersTimer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly opts: GroupCommitOptions = { maxBatch: 500, maxInFlight: 1, maxRiderDelay: 100 },
  ) {}

  get depth(): number {
    return this.queue.length + this.riders.length;
  }

  /**
   * Runs `work` inside the next shared transaction; resolves once that transaction has committed.
   * `changed` names the calls and work items the work changed, for the live feed.
   */
  run<R>(work: (trx: Kysely<Database>) => Promise<R>, changed?: (value: R) => FeedRef[]): Promise<R> {
    if (this.closed) return Promise.reject(new Error('the database is closing'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push(job(work, changed, resolve, reject));
      this.kick();
    });
  }

  /**
   * Like `run`, but starts no commit (no fsync) of its own: the job rides in the next batch, or
   * is committed after `maxRiderDelay` ms if none comes. For writes nobody is waiting to see
   * durable right away, like an action's outcome.
   */
  later<R>(work: (trx: Kysely<Database>) => Promise<R>, changed?: (value: R) => FeedRef[]): Promise<R> {
    if (this.closed) return Promise.reject(new Error('the database is closing'));
    return new Promise<R>((resolve, reject) => {
      this.riders.push(job(work, changed, resolve, reject));
      this.ridersTimer ??= setTimeout(() => this.boardRiders(), this.opts.maxRiderDelay);
    });
  }

  /** Waits for every submitted job; new jobs are refused. */
  async close(): Promise<void> {
    this.closed = true;
    this.boardRiders();
    while (this.queue.length > 0 || this.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private boardRiders(): void {
    if (this.ridersTimer) clearTimeout(this.ridersTimer);
    this.ridersTimer = null;
    this.queue.push(...this.riders.splice(0));
    this.kick();
  }

  private kick(): void {
    if (this.inFlight >= this.opts.maxInFlight || this.queue.length === 0) return;
    this.inFlight++;
    // setImmediate lets every request already read from the sockets join this batch.
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    const riders = this.riders.splice(0, this.opts.maxBatch);
    if (this.riders.length === 0 && this.ridersTimer) {
      clearTimeout(this.ridersTimer);
      this.ridersTimer = null;
    }
    const batch = [...riders, ...this.queue.splice(0, this.opts.maxBatch - riders.length)];
    const began = performance.now();
    let bodyDone = began;
    let ok = false;
    try {
      const written = batch.length === 0 ? { outcomes: [], changed: [], bodyDone } : await this.commitBatch(batch);
      const { outcomes, changed } = written;
      bodyDone = written.bodyDone;
      const again: Job[] = [];
      batch.forEach((job, i) => {
        const o = outcomes[i]!;
        if ('deferred' in o) {
          if (o.error !== undefined && ++job.deferrals > MAX_DEFERRALS) job.reject(o.error);
          else again.push(job);
        } else if (o.ok) job.resolve(o.value);
        else job.reject(o.error);
      });
      // First in line for the next transaction, so they are not overtaken again.
      this.queue.unshift(...again);
      if (changed.length > 0) this.opts.afterCommit?.(changed);
      ok = true;
    } catch (err) {
      for (const job of batch) job.reject(err);
    } finally {
      const end = performance.now();
      if (batch.length > 0)
        this.opts.onCommit?.({
          at: performance.timeOrigin + began,
          ms: end - began,
          commitMs: end - bodyDone,
          jobs: batch.length,
          riders: riders.length,
          ok,
        });
      this.inFlight--;
      this.kick();
    }
  }

  /** First without savepoints (two statements less per job); on any failure, again with one per job. */
  private async commitBatch(batch: Job[]): Promise<{ outcomes: Outcome[]; changed: FeedRef[]; bodyDone: number }> {
    try {
      return await this.write(batch, async (trx, j) => ({ ok: true, value: await j.work(trx) }));
    } catch {
      return this.write(batch, runJob);
    }
  }

  private async write(batch: Job[], run: (trx: Kysely<Database>, job: Job) => Promise<Outcome>) {
    const outcomes: Outcome[] = [];
    const changed: FeedRef[] = [];
    let bodyDone = 0;
    await this.transaction(async (trx) => {
      outcomes.length = 0;
      changed.length = 0;
      let conflict = false;
      for (const job of batch) {
        const o: Outcome = conflict ? { deferred: true, error: undefined } : await run(trx, job);
        if ('deferred' in o) conflict = true;
        else if (o.ok && job.changed) changed.push(...job.changed(o.value));
        outcomes.push(o);
      }
      if (changed.length > 0 && this.opts.beforeCommit) await this.opts.beforeCommit(trx, changed);
      bodyDone = performance.now();
    });
    return { outcomes, changed, bodyDone };
  }

  /**
   * On PostgreSQL the transaction begins with its lock timeout in one round trip (one simple-protocol
   * message, two statements): every statement costs both sides more than a small one takes to run.
   */
  private async transaction(body: (trx: Kysely<Database>) => Promise<void>): Promise<void> {
    if (this.store.dialect !== 'postgres') return this.store.db.transaction().execute(body);
    await this.store.db.connection().execute(async (conn) => {
      await sql.raw(`begin; set local lock_timeout = '${PG_LOCK_TIMEOUT}'`).execute(conn);
      try {
        await body(conn);
        await sql`commit`.execute(conn);
      } catch (err) {
        // After a failed COMMIT there is nothing left to roll back, and on a broken connection the
        // ROLLBACK fails too: either way the first error is the one to report.
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw err;
      }
    });
  }
}

function job<R>(
  work: (trx: Kysely<Database>) => Promise<R>,
  changed: ((value: R) => FeedRef[]) | undefined,
  resolve: (v: R) => void,
  reject: (e: unknown) => void,
): Job {
  return {
    work,
    changed: changed as ((value: unknown) => FeedRef[]) | undefined,
    deferrals: 0,
    resolve: resolve as (v: unknown) => void,
    reject,
  };
}

async function runJob(trx: Kysely<Database>, job: Job): Promise<Outcome> {
  for (let run = 1; ; run++) {
    await sql`savepoint job`.execute(trx);
    try {
      const value = await job.work(trx);
      await sql`release savepoint job`.execute(trx);
      return { ok: true, value };
    } catch (error) {
      await sql`rollback to savepoint job`.execute(trx);
      await sql`release savepoint job`.execute(trx);
      if (isDeferrable(error)) return { deferred: true, error };
      if (!isRetryable(error) || run >= MAX_JOB_RUNS) return { ok: false, error };
    }
  }
}
