import type { ActionRecord, AttemptRecord } from '../store/actions.js';
import type { StoredCall } from '../store/calls.js';
import type { StoredEvent } from '../store/events.js';
import { callSummary } from './calls.js';
import { iso, isoOrNull } from './time.js';

const eventView = (e: StoredEvent) => ({
  id: e.id,
  gateway: e.gateway,
  eventId: e.eventId,
  type: e.type,
  outcome: e.outcome,
  receivedAt: iso(e.receivedAt),
  body: e.body,
});

const attemptView = (t: AttemptRecord) => ({
  at: iso(t.startedAt),
  durationMs: t.durationMs,
  outcome: t.outcome,
  statusCode: t.statusCode,
  error: t.error,
});

const actionView = (a: ActionRecord, tries: AttemptRecord[]) => ({
  id: a.id,
  kind: a.kind,
  status: a.status,
  attempts: a.attempts,
  payload: a.payload,
  createdAt: iso(a.createdAt),
  expiresAt: isoOrNull(a.expiresAt),
  lastError: a.lastError,
  /** Exactly what the caller got, for a text the gateway took. */
  text: a.sentText,
  history: tries.map(attemptView),
});

/** `GET /api/calls/:id`: the call, what the gateway (and callbridge) said about it, and what was done, try by try. */
export function callDetail(
  call: StoredCall,
  events: StoredEvent[],
  actions: ActionRecord[],
  attempts: AttemptRecord[],
) {
  const tries = new Map<number, AttemptRecord[]>();
  for (const t of attempts) {
    const of = tries.get(t.actionId);
    if (of) of.push(t);
    else tries.set(t.actionId, [t]);
  }
  return {
    call: callSummary(call),
    events: events.map(eventView),
    actions: actions.map((a) => actionView(a, tries.get(a.id) ?? [])),
  };
}
