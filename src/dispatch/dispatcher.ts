import type { Alert, AlertSender } from '../alerts/senders.js';
import { phoneOf } from '../domain/jid.js';
import { renderTemplate } from '../domain/templates.js';
import { isText, type ActionSpec, type AlertChannel, type TextPayload } from '../domain/types.js';
import type { GatewayClient } from '../gateways/types.js';
import type { BudgetCache } from '../lib/budgetCache.js';
import type { Clock, ClockTimer } from '../lib/clock.js';
import { HttpError, retryAfterMs } from '../lib/http.js';
import type { Limiter } from '../lib/limiter.js';
import type { Action, AttemptResult } from '../store/actions.js';
import { retryDelay } from './backoff.js';

/** Where a session's messages go. */
export interface SessionTarget {
  session: string;
  /** The session name the gateway knows. */
  sessionName: string;
  client: GatewayClient;
  /** Caps actions in flight to the gateway at its pool's connections (shared by its sessions). */
  slots: Limiter;
  contactLookup: { enabled: boolean; budget: number; cacheTtl: number };
}

export interface DispatcherDeps {
  /** Attempt times, retry due times and expiry are domain time. */
  clock: Clock;
  targets: { get(session: string): SessionTarget | undefined };
  /** Contact names by `<session>\0<chat id>`, each kept for its session's `contactLookup.cacheTtl`. */
  names: BudgetCache<string>;
  alertSenders: Partial<Record<AlertChannel, AlertSender>>;
  retry: { initial: number; max: number };
  /** Persists an attempt's outcome. */
  record: (action: Action, result: AttemptResult) => Promise<unknown>;
  /**
   * The shared outbox's marks, when several dispatchers may take over each other's actions: `start`
   * durably marks an attempt as on the wire before it is made (false: the lease was lost, don't
   * send), `extend` keeps its lease while it is (every third of `lease`).
   */
  sending?: {
    start: (action: Action, at: number) => Promise<boolean>;
    extend: (actionId: number, sendingSince: number) => Promise<boolean>;
    lease: number;
  };
  /**
   * Whether the caller has opted out: asked just before a text is sent, for one decided before
   * their "STOP" (a retry, a follow-up) must not reach them either.
   */
  optedOut?: (session: string, chatId: string) => Promise<boolean>;
  /** Asks to be woken when a retry falls due. */
  wakeAt: (at: number) => void;
  onResult?: (action: Action, result: AttemptResult) => void;
  onError: (err: unknown) => void;
}

type PayloadOf<K extends ActionSpec['kind']> = Extract<ActionSpec, { kind: K }>['payload'];

/**
 * Runs actions: sends the text, rejects the call, posts the alert. It knows nothing of rules; it
 * only executes, records what happened, and schedules a retry when the failure is worth one.
 */
export class Dispatcher {
  private readonly inFlight = new Set<Promise<void>>();
  /** Actions being run here, each as last claimed. */
  private readonly running = new Map<number, Action>();
  /** Lease renewals of attempts started here, until their outcome is recorded. */
  private readonly renewals = new Map<number, ClockTimer>();
  /** Attempts that have their outcome and are recording it: a claim of theirs now is a new attempt. */
  private readonly finishing = new Set<number>();
  /** New attempts (retries) claimed while the previous one was still recording its outcome. */
  private readonly queued = new Map<number, Action>();

  constructor(private readonly deps: DispatcherDeps) {}

  get active(): number {
    return this.running.size;
  }

  dispatch(action: Action): void {
    // A claim can overlap an attempt still running in this process (its lease ran out while it
    // waited); run each once, under the newer lease, which is the one its start must match.
    // A claim that arrives once the running attempt has its outcome is the next attempt (its retry,
    // claimed as soon as the outcome committed): it runs when this one is settled.
    if (this.finishing.has(action.id)) {
      this.queued.set(action.id, action);
      return;
    }
    const wasRunning = this.running.has(action.id);
    this.running.set(action.id, action);
    if (wasRunning) return;
    // Marked as on the wire by its commit: its lease is kept from now, while it waits for a slot too.
    const { sending } = this.deps;
    if (sending && action.markedByCommit && action.sendingSince) {
      this.renewals.set(action.id, this.keepLease(sending, action.id, action.sendingSince));
    }
    // Gateway actions wait for one of the gateway's slots; alerts go to their own endpoints' pools.
    // An action of an unconfigured session has no slots; execute() records it as failed.
    const slots = action.kind === 'alert' ? undefined : this.deps.targets.get(action.session)?.slots;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      this.renewals.get(action.id)?.cancel();
      this.renewals.delete(action.id);
      this.running.delete(action.id);
      this.finishing.delete(action.id);
      const next = this.queued.get(action.id);
      if (next) {
        this.queued.delete(action.id);
        this.dispatch(next);
      }
    };
    const p = (slots ? slots.run(() => this.execute(action), action.connectionHeld === true) : this.execute(action))
      .then(async ({ result, tried }) => {
        this.finishing.add(action.id);
        if (!result) {
          // The claim it tried to send under had run out; a newer claim that joined this run since is this process's.
          const latest = this.running.get(action.id);
          if (latest && latest !== tried) this.queued.set(action.id, latest);
          return;
        }
        await this.deps.record(action, result);
        settle();
        if (result.nextAttemptAt !== null) this.deps.wakeAt(result.nextAttemptAt);
        this.deps.onResult?.(action, result);
      })
      .catch(this.deps.onError)
      .finally(() => {
        settle();
        this.inFlight.delete(p);
      });
    this.inFlight.add(p);
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * The attempt's result, and the claim it ran under; no result when that claim was no longer this
   * dispatcher's when the attempt was about to start.
   */
  private async execute(action: Action): Promise<{ result: AttemptResult | null; tried: Action }> {
    const tried = this.running.get(action.id) ?? action;
    return { result: await this.attempt(tried), tried };
  }

  private async attempt(action: Action): Promise<AttemptResult | null> {
    const { clock } = this.deps;
    const startedAt = clock.now();
    // How long the peer took is measured on the machine's monotonic time, not the domain's.
    const began = performance.now();
    const took = () => Math.round(performance.now() - began);
    const base = { actionId: action.id, startedAt, statusCode: null, nextAttemptAt: null };
    // Late is worse than never: past its expiry an action is recorded as expired, never sent.
    if (action.expiresAt !== null && startedAt > action.expiresAt) {
      return { ...base, durationMs: 0, outcome: 'expired', error: 'expired before it could be sent', attempted: false };
    }
    // Marked by the commit that decided it, which read the caller's opt-out: nothing to check or mark.
    if (!action.markedByCommit) {
      const unsent = await this.beforeStart(action, base);
      if (unsent !== undefined) return unsent;
    }
    try {
      const sent = await this.run(action);
      return { ...base, durationMs: took(), outcome: 'ok', error: null, attempted: true, ...(sent ? { sent } : {}) };
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError((err as Error).message, false);
      const failed = { ...base, durationMs: took(), statusCode: e.statusCode, error: e.message, attempted: true };
      if (!e.retryable) return { ...failed, outcome: 'failed' };
      const now = clock.now();
      const nextAttemptAt = now + retryDelay(action.attempts + 1, this.deps.retry, retryAfterMs(e.retryAfter, now));
      if (action.expiresAt !== null && nextAttemptAt > action.expiresAt) {
        return { ...failed, outcome: 'expired', error: `${e.message}; no retry possible before expiry` };
      }
      return { ...failed, outcome: 'retry', nextAttemptAt };
    }
  }

  /**
   * Checks and marks an attempt about to start: undefined when it may go on the wire (marked so),
   * else its result, or null when its lease is no longer this dispatcher's.
   */
  private async beforeStart(
    action: Action,
    base: Pick<AttemptResult, 'actionId' | 'startedAt' | 'statusCode' | 'nextAttemptAt'>,
  ): Promise<AttemptResult | null | undefined> {
    // An attempt started by a dispatcher that died before recording its outcome may have been
    // delivered. A text twice is worse than a text lost, so when in doubt it is not sent again, and
    // the reason is recorded; a reject (idempotent at the gateway) and an alert (receivers dedupe by
    // its key) are tried again.
    const since = action.sendingSince ?? null;
    const text = isText(action.kind);
    if (since !== null && text) {
      const error = `in doubt: an attempt started at ${new Date(since).toISOString()} has no recorded outcome (its process stopped); not sent again`;
      return { ...base, startedAt: since, durationMs: 0, outcome: 'failed', error, attempted: true };
    }
    const chatId = (action.payload as Partial<TextPayload>).chatId;
    if (text && action.kind !== 'sendOptOut' && chatId && (await this.deps.optedOut?.(action.session, chatId))) {
      const error = 'the caller opted out after this text was decided; not sent';
      return { ...base, durationMs: 0, outcome: 'failed', error, attempted: false };
    }
    const { sending } = this.deps;
    if (!sending) return undefined;
    if (!(await sending.start(action, base.startedAt))) return null;
    // Held until the outcome is recorded: another dispatcher taking over a send that is done but not
    // yet durable would find it in doubt.
    this.renewals.set(action.id, this.keepLease(sending, action.id, base.startedAt));
    return undefined;
  }

  /** Extends the lease every third of it; a lost lease stops it. */
  private keepLease(sending: NonNullable<DispatcherDeps['sending']>, actionId: number, since: number): ClockTimer {
    const { clock, onError } = this.deps;
    let timer: ClockTimer;
    let stopped = false;
    const arm = () => {
      timer = clock.at(clock.now() + sending.lease / 3, () =>
        sending.extend(actionId, since).then((held) => held && !stopped && arm(), onError),
      );
    };
    arm();
    return {
      cancel: () => {
        stopped = true;
        timer.cancel();
      },
    };
  }

  /** Runs the action; a text returns what it said and to whom. */
  private async run(action: Action): Promise<{ text: string; name: string | null } | void> {
    switch (action.kind) {
      case 'sendRedirect':
      case 'sendWelcome':
      case 'sendFollowUp':
      case 'sendOptOut':
        return this.sendText(action.session, action.payload as TextPayload);
      case 'rejectCall': {
        const p = action.payload as PayloadOf<'rejectCall'>;
        const t = this.target(action.session);
        return t.client.rejectCall(t.sessionName, p.chatId, p.callId);
      }
      case 'alert':
        return this.sendAlert(action);
    }
  }

  private target(session: string): SessionTarget {
    const t = this.deps.targets.get(session);
    if (!t) throw new HttpError(`session "${session}" is not configured`, false);
    return t;
  }

  /** The contact's name: at once when the cache has it, else once the lookup answers (or its budget runs out). */
  private nameOf(t: SessionTarget, chatId: string): string | null | Promise<string | null> {
    if (!t.contactLookup.enabled) return null;
    const key = `${t.session}\u0000${chatId}`;
    const known = this.deps.names.known(key);
    if (known !== undefined) return known;
    return this.deps.names.get(
      key,
      (signal) => t.client.lookupName(t.sessionName, chatId, signal),
      t.contactLookup.budget,
      t.contactLookup.cacheTtl,
    );
  }

  private async sendText(session: string, p: TextPayload): Promise<{ text: string; name: string | null }> {
    const t = this.target(session);
    let name = p.name ?? this.nameOf(t, p.chatId);
    if (name instanceof Promise) name = await name;
    const text = renderTemplate(p.template, { ...p.vars, name, session: t.session, number: phoneOf(p.chatId) });
    await t.client.sendText(t.sessionName, p.chatId, text);
    return { text, name };
  }

  private async sendAlert(action: Action): Promise<void> {
    const p = action.payload as PayloadOf<'alert'>;
    const sender = this.deps.alertSenders[p.channel];
    if (!sender) throw new HttpError(`alert channel "${p.channel}" is not configured`, false);
    const data = { ...p.data };
    // Agents act faster on a name than on a number; the lookup shares the redirect's cache and budget.
    const t = this.deps.targets.get(action.session);
    if (data.name === null && data.caller && t) data.name = await this.nameOf(t, data.caller);
    const alert: Alert = { key: action.key, type: p.type, at: p.at, data };
    await sender.send(alert);
  }
}
