import { EventEmitter } from 'node:events';
import type { SessionSettings } from '../domain/types.js';
import { claimDueActions, recordAttempt, type Action, type AttemptResult } from '../store/actions.js';
import type { Store } from '../store/db.js';
import { claimDueTimers, takeTimer, type DueTimer } from '../store/timers.js';
import { GroupCommit } from './groupCommit.js';
import { recordCallEvent, type Committed, type IncomingEvent } from './recordCallEvent.js';

export interface PipelineEvents {
  committed: [Committed];
}

/**
 * The shell around `decide`: webhooks and fallen-due timers enter here, are committed together,
 * and what they decided is announced (`committed`) for dispatch and the live feed.
 */
export class Pipeline extends EventEmitter<PipelineEvents> {
  readonly commit: GroupCommit;

  constructor(
    readonly store: Store,
    private readonly sessions: Map<string, SessionSettings>,
    private readonly lease: number,
  ) {
    super();
    this.commit = new GroupCommit(store, {
      maxBatch: 500,
      // PostgreSQL can write several batches at once on separate connections; SQLite has one writer.
      maxInFlight: store.dialect === 'postgres' ? 4 : 1,
      maxRiderDelay: 100,
    });
  }

  async ingest(e: IncomingEvent): Promise<Committed> {
    const done = await this.commit.run((trx) => recordCallEvent(trx, e, Date.now(), this.lease));
    this.emit('committed', done);
    return done;
  }

  /** A due timer is an event like any other; taking the row first makes it fire once. */
  async fireTimer(t: DueTimer): Promise<Committed> {
    const settings = this.sessions.get(t.session) ?? null;
    const done = await this.commit.run(async (trx) => {
      if (!(await takeTimer(trx, t.key))) return { outcome: 'duplicate', actions: [], timers: [], changedCall: null } as Committed;
      return recordCallEvent(
        trx,
        {
          gateway: 'callbridge',
          eventId: `timer:${t.key}`,
          type: 'call.timeout',
          session: settings,
          sessionName: t.session,
          event: { type: 'call.timeout', callId: t.callId },
          body: JSON.stringify({ timer: t.key, dueAt: t.dueAt }),
        },
        Date.now(),
        this.lease,
      );
    });
    this.emit('committed', done);
    return done;
  }

  claimTimers(limit = 200): Promise<DueTimer[]> {
    return this.commit.run((trx) => claimDueTimers(trx, this.store.dialect, Date.now(), this.lease, limit));
  }

  claimActions(limit = 200): Promise<Action[]> {
    return this.commit.run((trx) => claimDueActions(trx, this.store.dialect, Date.now(), this.lease, limit));
  }

  /** An attempt's outcome rides in the next commit: it saves an fsync per sent action. */
  recordAttempt(result: AttemptResult): Promise<void> {
    return this.commit.later((trx) => recordAttempt(trx, result, Date.now()));
  }
}
