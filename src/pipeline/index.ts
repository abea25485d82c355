import { EventEmitter } from 'node:events';
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../lib/clock.js';
import {
  claimDueActions,
  extendLease,
  recordAttempt,
  startSending,
  type Action,
  type AttemptResult,
} from '../store/actions.js';
import type { SessionLookup } from '../sessions.js';
import type { CallEvent } from '../domain/types.js';
import type { Store } from '../store/db.js';
import type { Database } from '../store/schema.js';
import { feedNotifier } from '../feed/notifier.js';
import { appendFeed, feedChannel, type FeedRef } from '../store/feed.js';
import { pruneOldest, type HistoryTable } from '../store/retention.js';
import { claimDueTimers, takeTimer, type DueTimer } from '../store/timers.js';
import { rememberName } from '../store/callers.js';
import { runQueueCommand, type QueueCommand, type QueueOutcome } from '../store/workItems.js';
import { GroupCommit, type CommitTiming } from './groupCommit.js';
import { ingestWith, type IngestHooks } from './ingestHooks.js';
import type { Stalls } from '../lib/stalls.js';
import {
  applyCallEvent,
  nothingCommitted,
  recordCallEvent,
  type Committed,
  type IncomingEvent,
} from './recordCallEvent.js';

export interface PipelineEvents {
  committed: [Committed];
  /** Calls whose summary changed, and work items that changed (appended to the feed), in a transaction that has committed. */
  callsChanged: [FeedRef[]];
  /** The SQLite writer thread stopped: nothing more can be stored until a restart. */
  writerFailed: [Error];
  /** The SQLite checkpointer thread stopped: the writer's commits checkpoint again (slower tails). */
  checkpointerFailed: [Error];
  /** Every transaction of the group commit, timed. */
  commitTimed: [CommitTiming];
  /** Other replicas could not be told of a commit: their live feeds see it at their next read. */
  notifyFailed: [Error];
}

const changedCall = (c: Committed): FeedRef[] => [...(c.changedCall ? [c.changedCall] : []), ...c.changedItems];

/**
 * Where every write goes: webhooks, fallen-due timers, claims and outbox outcomes. `Pipeline` runs
 * them in this thread; `WorkerPipeline` hands them to the SQLite writer thread.
 */
export interface EventPipeline extends EventEmitter<PipelineEvents> {
  ingest(e: IncomingEvent): Promise<Committed>;
  /** The path of `ingest` (no enrichment), undone before its transaction commits: the warm-up's. */
  rehearse(e: IncomingEvent): Promise<void>;
  fireTimer(t: DueTimer): Promise<Committed>;
  claimTimers(limit: number): Promise<DueTimer[]>;
  claimActions(limit: number): Promise<Action[]>;
  /** Marks an attempt starting `at` as on the wire before it is made; false: the lease is no longer this process's. */
  startSending(action: Action, at: number): Promise<boolean>;
  /** Keeps the lease of an attempt still on the wire; false once it has an outcome or was taken over. */
  extendLease(actionId: number, sendingSince: number): Promise<boolean>;
  recordAttempt(action: Action, result: AttemptResult): Promise<Committed>;
  /** An agent's claim, release or close of a work item, committed (and on the feed) when it resolves. */
  updateQueue(cmd: QueueCommand): Promise<QueueOutcome>;
  /** Deletes up to `limit` of the oldest rows of `table` older than `before`; returns how many. */
  prune(table: HistoryTable, before: number, limit: number): Promise<number>;
  /** The writer thread's worst event-loop delay and GC pause since last asked; null when there is none. */
  writerStalls(): Promise<Stalls | null>;
  /** Writes submitted and not yet committed. */
  readonly depth: number;
  /** Why nothing can be written any more (the writer thread stopped), or null. */
  readonly failure: Error | null;
  /** Waits for every submitted write; new ones are refused. */
  close(): Promise<void>;
}

/**
 * The shell around `decide`: webhooks, fallen-due timers and outbox outcomes enter here, are
 * committed together, and what they decided is announced (`committed`) for dispatch and the feed.
 * Each write takes its `now` from the clock, or as given: the SQLite writer thread reads no time
 * and passes the moment the HTTP thread stamped on the request.
 */
export class Pipeline extends EventEmitter<PipelineEvents> implements EventPipeline {
  private readonly commit: GroupCommit;
  readonly failure = null;

  constructor(
    readonly store: Store,
    private readonly sessions: SessionLookup,
    private readonly lease: number,
    private readonly clock: Clock,
    private readonly hooks: IngestHooks = {},
  ) {
    super();
    // Other replicas learn of this one's changes by PostgreSQL's NOTIFY; SQLite has no others.
    const notify =
      store.postgres &&
      feedNotifier(store.db, feedChannel(store.postgres.schema), (err) => this.emit('notifyFailed', err as Error));
    this.commit = new GroupCommit(store, {
      maxBatch: 500,
      // PostgreSQL can write several batches at once on separate connections; SQLite has one writer.
      maxInFlight: store.dialect === 'postgres' ? 4 : 1,
      maxRiderDelay: 100,
      beforeCommit: (trx, changed) => appendFeed(trx, store.dialect, changed, clock.now()),
      afterCommit: (changed) => {
        notify?.();
        this.emit('callsChanged', changed);
      },
      onCommit: (t) => this.emit('commitTimed', t),
    });
  }

  ingest(e: IncomingEvent, now?: number): Promise<Committed> {
    // Enriched before the transaction, so that a VIP the CRM names makes a VIP call.
    return ingestWith(this.hooks, e, (enriched, hold) => {
      // Read after the lookups, as WorkerPipeline stamps its requests.
      const at = now ?? this.clock.now();
      // The connection is held from when the job runs, not while it queues for a transaction; an
      // event handed over by the HTTP thread (SQLite's writer) comes with one held there.
      return this.run('now', (trx) =>
        recordCallEvent(
          trx,
          { ...enriched, connectionHeld: enriched.connectionHeld === true || hold() },
          at,
          this.lease,
        ),
      );
    });
  }

  /**
   * Rides in the shared transaction like a webhook, inside a savepoint that is rolled back: the
   * same statements, pages and code run, nothing is stored and nothing is dispatched.
   */
  rehearse(e: IncomingEvent, now = this.clock.now()): Promise<void> {
    return this.commit.run(async (trx) => {
      await sql`savepoint rehearsal`.execute(trx);
      try {
        await recordCallEvent(trx, e, now, this.lease);
      } finally {
        await sql`rollback to savepoint rehearsal`.execute(trx);
        await sql`release savepoint rehearsal`.execute(trx);
      }
    });
  }

  /**
   * A due timer is an event like any other, decided without a row of its own: taking the timer's
   * row makes it fire once, and what it decided (the call missed, the follow-up queued) tells it.
   */
  fireTimer(t: DueTimer, now = this.clock.now()): Promise<Committed> {
    return this.run('now', async (trx) => {
      if (!(await takeTimer(trx, t.key))) return nothingCommitted('duplicate');
      const settings = this.sessions.get(t.session);
      // A session since taken out of the config: its timer is spent, and nothing is decided for it.
      if (!settings) return nothingCommitted('unknown_session');
      const event: CallEvent =
        t.kind === 'followUp' ? { type: 'followUp.due', callId: t.callId } : { type: 'call.timeout', callId: t.callId };
      return applyCallEvent(trx, settings, event, now, this.lease);
    });
  }

  claimTimers(limit: number, now = this.clock.now()): Promise<DueTimer[]> {
    return this.commit.run((trx) => claimDueTimers(trx, this.store.dialect, now, this.lease, limit));
  }

  claimActions(limit: number, now = this.clock.now()): Promise<Action[]> {
    return this.commit.run((trx) => claimDueActions(trx, this.store.dialect, now, this.lease, limit));
  }

  /**
   * On PostgreSQL a statement of its own, not a place in the group commit: the send waits for it
   * while holding one of the gateway's connections, so it must not queue behind batches of webhooks.
   */
  startSending(action: Action, at: number): Promise<boolean> {
    const claimedUntil = action.claimedUntil;
    if (claimedUntil === null || claimedUntil === undefined) return Promise.resolve(false);
    return this.alone((db) => startSending(db, action.id, claimedUntil, at, this.lease));
  }

  extendLease(actionId: number, sendingSince: number, now = this.clock.now()): Promise<boolean> {
    return this.alone((db) => extendLease(db, actionId, sendingSince, now, this.lease));
  }

  private alone<R>(work: (db: Kysely<Database>) => Promise<R>): Promise<R> {
    return this.store.dialect === 'postgres' ? work(this.store.db) : this.commit.run(work);
  }

  prune(table: HistoryTable, before: number, limit: number): Promise<number> {
    return this.commit.run((trx) => pruneOldest(trx, table, before, limit));
  }

  updateQueue(cmd: QueueCommand, now = this.clock.now()): Promise<QueueOutcome> {
    return this.commit.run(
      (trx) => runQueueCommand(trx, cmd, now),
      (o): FeedRef[] => (o.ok ? [{ session: o.session, itemId: cmd.id }] : []),
    );
  }

  /** This thread is the writer: its stalls are the process's own (prom-client's defaults). */
  writerStalls(): Promise<Stalls | null> {
    return Promise.resolve(null);
  }

  get depth(): number {
    return this.commit.depth;
  }

  close(): Promise<void> {
    return this.commit.close();
  }

  /**
   * Records an attempt; a delivered redirect is itself an event (the call is now redirected).
   * On SQLite (one process) it rides in the next commit rather than paying an fsync of its own per
   * sent action. On PostgreSQL it commits at once (grouped with whatever is being written): until
   * it is durable, a replica killed now would have this action sent again by another.
   */
  recordAttempt(action: Action, result: AttemptResult, now = this.clock.now()): Promise<Committed> {
    return this.run(this.store.dialect === 'postgres' ? 'now' : 'later', async (trx) => {
      await recordAttempt(trx, result, now);
      const chatId = (action.payload as { chatId?: string }).chatId;
      if (result.sent?.name && chatId) await rememberName(trx, action.session, chatId, result.sent.name);
      if (action.kind !== 'sendRedirect' || action.callId === null) return nothingCommitted('processed');
      // A redirect's new status shows in its call's summary: the call goes to the feed.
      // Delivered, it is an event of the call, decided without a row of its own (see applyCallEvent).
      const call = { session: action.session, callId: action.callId };
      const settings = this.sessions.get(action.session);
      if (result.outcome !== 'ok' || !settings) return { ...nothingCommitted('processed'), changedCall: call };
      const sent = await applyCallEvent(
        trx,
        settings,
        { type: 'redirect.sent', callId: action.callId, name: result.sent?.name ?? null },
        now,
        this.lease,
      );
      // Recorded before (another dispatcher took the action over): the call is unchanged, but its
      // action's status is new, and the call's summary shows it.
      return sent.changedCall ? sent : { ...sent, changedCall: call };
    });
  }

  private async run(when: 'now' | 'later', work: (trx: Kysely<Database>) => Promise<Committed>): Promise<Committed> {
    const done = await (when === 'now' ? this.commit.run(work, changedCall) : this.commit.later(work, changedCall));
    this.emit('committed', done);
    return done;
  }
}
