import type { Alert, AlertSender } from '../alerts/senders.js';
import { phoneOf } from '../domain/jid.js';
import { renderTemplate } from '../domain/templates.js';
import type { ActionSpec, AlertChannel, TextPayload } from '../domain/types.js';
import type { GatewayClient } from '../gateways/types.js';
import type { BudgetCache } from '../lib/budgetCache.js';
import type { Clock } from '../lib/clock.js';
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
  contactLookup: { enabled: boolean; budget: number };
}

export interface DispatcherDeps {
  /** Attempt times, retry due times and expiry are domain time. */
  clock: Clock;
  targets: { get(session: string): SessionTarget | undefined };
  /** Contact names by `<session>\0<chat id>`. */
  names: BudgetCache<string>;
  alertSenders: Partial<Record<AlertChannel, AlertSender>>;
  retry: { initial: number; max: number };
  /** Persists an attempt's outcome (rides in the next group commit). */
  record: (action: Action, result: AttemptResult) => Promise<unknown>;
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
  private readonly running = new Set<number>();

  constructor(private readonly deps: DispatcherDeps) {}

  get active(): number {
    return this.running.size;
  }

  dispatch(action: Action): void {
    // A claim can overlap an attempt still running in this process (lease races); run each once.
    if (this.running.has(action.id)) return;
    this.running.add(action.id);
    // Gateway actions wait for one of the gateway's slots; alerts go to their own endpoints' pools.
    // An action of an unconfigured session has no slots; execute() records it as failed.
    const slots = action.kind === 'alert' ? undefined : this.deps.targets.get(action.session)?.slots;
    const p = (slots ? slots.run(() => this.execute(action)) : this.execute(action))
      .then((result) => this.finish(action, result))
      .catch(this.deps.onError)
      .finally(() => {
        this.running.delete(action.id);
        this.inFlight.delete(p);
      });
    this.inFlight.add(p);
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async finish(action: Action, result: AttemptResult): Promise<void> {
    await this.deps.record(action, result);
    if (result.nextAttemptAt !== null) this.deps.wakeAt(result.nextAttemptAt);
    this.deps.onResult?.(action, result);
  }

  private async execute(action: Action): Promise<AttemptResult> {
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
    try {
      await this.run(action);
      return { ...base, durationMs: took(), outcome: 'ok', error: null, attempted: true };
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

  private async run(action: Action): Promise<void> {
    switch (action.kind) {
      case 'sendRedirect':
      case 'sendWelcome':
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

  private async nameOf(t: SessionTarget, chatId: string): Promise<string | null> {
    if (!t.contactLookup.enabled) return null;
    return this.deps.names.get(
      `${t.session}\u0000${chatId}`,
      () => t.client.lookupName(t.sessionName, chatId),
      t.contactLookup.budget,
    );
  }

  private async sendText(session: string, p: TextPayload): Promise<void> {
    const t = this.target(session);
    const name = p.name ?? (await this.nameOf(t, p.chatId));
    const text = renderTemplate(p.template, { name, session: t.session, number: phoneOf(p.chatId) });
    await t.client.sendText(t.sessionName, p.chatId, text);
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
