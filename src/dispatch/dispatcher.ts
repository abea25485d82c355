import { phoneOf } from '../domain/jid.js';
import { renderTemplate } from '../domain/templates.js';
import { GatewayError, type GatewayClient } from '../gateways/types.js';
import type { Limiter } from '../lib/limiter.js';
import type { Action, AttemptResult } from '../store/actions.js';
import { retryDelay } from './backoff.js';
import type { ContactNames } from './contactNames.js';

/** Where a session's actions go. */
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
  targets: Map<string, SessionTarget>;
  names: ContactNames;
  retry: { initial: number; max: number };
  /** Persists an attempt's outcome (rides in the next group commit). */
  record: (result: AttemptResult) => Promise<void>;
  /** Asks to be woken when a retry falls due. */
  wakeAt: (at: number) => void;
  onResult?: (action: Action, result: AttemptResult) => void;
  onError: (err: unknown) => void;
}

/**
 * Runs actions: sends the text, rejects the call. It knows nothing of rules; it only executes,
 * records what happened, and schedules a retry when the failure is worth one.
 */
export class Dispatcher {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly running = new Set<number>();

  constructor(private readonly deps: DispatcherDeps) {}

  get active(): number {
    return this.running.size;
  }

  dispatch(action: Action): void {
    // A claim can overlap an attempt still running in this process (lease renewal races); run each once.
    if (this.running.has(action.id)) return;
    this.running.add(action.id);
    // An action of an unconfigured session has no slots; execute() records it as failed.
    const slots = this.deps.targets.get(action.session)?.slots;
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
    await this.deps.record(result);
    if (result.nextAttemptAt !== null) this.deps.wakeAt(result.nextAttemptAt);
    this.deps.onResult?.(action, result);
  }

  private async execute(action: Action): Promise<AttemptResult> {
    const startedAt = Date.now();
    const base = { actionId: action.id, startedAt, statusCode: null, nextAttemptAt: null };
    // Late is worse than never: past its expiry an action is recorded as expired, never sent.
    if (action.expiresAt !== null && startedAt > action.expiresAt) {
      return { ...base, durationMs: 0, outcome: 'expired', error: 'expired before it could be sent', attempted: false };
    }
    const target = this.deps.targets.get(action.session);
    if (!target) {
      return { ...base, durationMs: 0, outcome: 'failed', error: `session "${action.session}" is not configured`, attempted: false };
    }
    try {
      await this.run(action, target);
      return { ...base, durationMs: Date.now() - startedAt, outcome: 'ok', error: null, attempted: true };
    } catch (err) {
      const e = err instanceof GatewayError ? err : new GatewayError((err as Error).message, false);
      const durationMs = Date.now() - startedAt;
      const failed = { ...base, durationMs, statusCode: e.statusCode, error: e.message, attempted: true };
      if (!e.retryable) return { ...failed, outcome: 'failed' };
      const nextAttemptAt = Date.now() + retryDelay(action.attempts + 1, this.deps.retry, e.retryAfterMs);
      if (action.expiresAt !== null && nextAttemptAt > action.expiresAt) {
        return { ...failed, outcome: 'expired', error: `${e.message}; no retry possible before expiry` };
      }
      return { ...failed, outcome: 'retry', nextAttemptAt };
    }
  }

  private async run(action: Action, t: SessionTarget): Promise<void> {
    switch (action.kind) {
      case 'sendRedirect': {
        const p = action.payload as Extract<Action['payload'], { template: string }>;
        const name = t.contactLookup.enabled ? await this.deps.names.get(t, p.chatId, t.contactLookup.budget) : null;
        const text = renderTemplate(p.template, { name, session: t.session, number: phoneOf(p.chatId) });
        await t.client.sendText(t.sessionName, p.chatId, text);
        return;
      }
      case 'rejectCall': {
        const p = action.payload as Extract<Action['payload'], { callId: string }>;
        await t.client.rejectCall(t.sessionName, p.chatId, p.callId);
        return;
      }
    }
  }
}
