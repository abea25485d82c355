import { sql, type Kysely } from 'kysely';
import type { Store } from '../store/db.js';
import type { Database } from '../store/schema.js';

/** Thrown by a job whose decision was made on state another writer has since changed: the job runs again. */
export class StaleDecision extends Error {
  constructor(what: string) {
    super(`stale decision: ${what} changed concurrently`);
  }
}

// PostgreSQL deadlock and serialization failures: the job's work is undone to its savepoint and run again.
const retryableCodes = new Set(['40P01', '40001']);
const isRetryable = (err: unknown) =>
  err instanceof StaleDecision || retryableCodes.has((err as { code?: string } | null)?.code ?? '');

const MAX_JOB_RUNS = 5;

interface Job {
  work: (trx: Kysely<Database>) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: jobs submitted while a transaction is being written wait and share the next one,
 * so one durable commit (one fsync) acknowledges many webhooks. A failing job is undone and
 * rejected alone, the rest of the batch commits: the batch is then written again with each job in
 * its own savepoint. So jobs must be safe to run again (they only touch the transaction).
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
    private readonly opts: { maxBatch: number; maxInFlight: number; maxRiderDelay: number } = {
      maxBatch: 500,
      maxInFlight: 1,
      maxRiderDelay: 100,
    },
  ) {}

  get depth(): number {
    return this.queue.length + this.riders.length;
  }

  /** Runs `work` inside the next shared transaction; resolves once that transaction has committed. */
  run<R>(work: (trx: Kysely<Database>) => Promise<R>): Promise<R> {
    if (this.closed) return Promise.reject(new Error('the database is closing'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      this.kick();
    });
  }

  /**
   * Like `run`, but starts no commit (no fsync) of its own: the job rides in the next batch, or
   * is committed after `maxRiderDelay` ms if none comes. For writes nobody is waiting to see
   * durable right away, like an action's outcome.
   */
  later<R>(work: (trx: Kysely<Database>) => Promise<R>): Promise<R> {
    if (this.closed) return Promise.reject(new Error('the database is closing'));
    return new Promise<R>((resolve, reject) => {
      this.riders.push({ work, resolve: resolve as (v: unknown) => void, reject });
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
    try {
      const outcomes = batch.length === 0 ? [] : await this.commitBatch(batch);
      batch.forEach((job, i) => {
        const o = outcomes[i]!;
        if (o.ok) job.resolve(o.value);
        else job.reject(o.error);
      });
    } catch (err) {
      for (const job of batch) job.reject(err);
    } finally {
      this.inFlight--;
      this.kick();
    }
  }

  /**
   * First without savepoints (two statements and two round trips less per job); only when a job
   * fails is the whole batch rolled back and written again with a savepoint around each job.
   */
  private async commitBatch(batch: Job[]): Promise<Outcome[]> {
    const values: unknown[] = [];
    try {
      await this.store.db.transaction().execute(async (trx) => {
        values.length = 0;
        for (const job of batch) values.push(await job.work(trx));
      });
      return values.map((value) => ({ ok: true, value }));
    } catch {
      const outcomes: Outcome[] = [];
      await this.store.db.transaction().execute(async (trx) => {
        outcomes.length = 0;
        for (const job of batch) outcomes.push(await runJob(trx, job));
      });
      return outcomes;
    }
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

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
      if (!isRetryable(error) || run >= MAX_JOB_RUNS) return { ok: false, error };
    }
  }
}
