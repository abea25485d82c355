import { phoneOf } from '../domain/jid.js';
import type { Action, AttemptResult } from '../store/actions.js';

/**
 * What an operator reads about an attempt that did not deliver: `warn` for a failure that will be
 * retried, `error` for an expiry or a final failure; null when it was delivered. Never the text,
 * and of the chat only its last 4 digits.
 */
export function describeAttempt(
  action: Action,
  r: AttemptResult,
): { level: 'warn' | 'error'; fields: Record<string, unknown>; msg: string } | null {
  if (r.outcome === 'ok') return null;
  const p = action.payload as { chatId?: string; channel?: string };
  const digits = p.chatId ? phoneOf(p.chatId) : null;
  const what = action.kind === 'alert' ? `alert to ${p.channel}` : action.kind;
  const fields = {
    action: action.id,
    kind: action.kind,
    session: action.session,
    ...(action.callId ? { callId: action.callId } : {}),
    ...(p.channel ? { channel: p.channel } : {}),
    ...(digits ? { chat: `…${digits.slice(-4)}` } : {}),
    attempt: action.attempts + (r.attempted ? 1 : 0),
    status: r.statusCode,
    error: r.error,
    ...(r.nextAttemptAt !== null ? { nextAttemptAt: new Date(r.nextAttemptAt).toISOString() } : {}),
  };
  if (r.outcome === 'retry') {
    const at = new Date(r.nextAttemptAt!).toISOString();
    return { level: 'warn', fields, msg: `${what} failed (attempt ${fields.attempt}): ${r.error}; next try at ${at}` };
  }
  if (r.outcome === 'expired') return { level: 'error', fields, msg: `${what} expired: ${r.error}` };
  return { level: 'error', fields, msg: `${what} failed for good (attempt ${fields.attempt}): ${r.error}` };
}
