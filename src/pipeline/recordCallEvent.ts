import type { Kysely } from 'kysely';
import { decide } from '../domain/decide.js';
import type { CallEvent, SessionSettings, TimerSpec } from '../domain/types.js';
import { insertActions, type Action } from '../store/actions.js';
import { findCaller, saveCaller } from '../store/callers.js';
import { findCall, saveCall } from '../store/calls.js';
import { recordEvent } from '../store/events.js';
import type { Database } from '../store/schema.js';
import { cancelTimers, scheduleTimers } from '../store/timers.js';
import { StaleDecision } from './groupCommit.js';

export interface IncomingEvent {
  gateway: string;
  eventId: string;
  /** The gateway's event name. */
  type: string;
  /** The configured session, or null when the gateway named a session callbridge does not know. */
  session: SessionSettings | null;
  sessionName: string;
  event: CallEvent | null;
  body: string;
}

export type Outcome = 'processed' | 'duplicate' | 'ignored' | 'unknown_session';

/** What the rest of the process must do once the transaction has committed. */
export interface Committed {
  outcome: Outcome;
  actions: Action[];
  timers: TimerSpec[];
  /** The call this event changed, for the live feed. */
  changedCall: { session: string; callId: string } | null;
}

const nothing = (outcome: Outcome): Committed => ({ outcome, actions: [], timers: [], changedCall: null });

/**
 * The one path every event takes, webhook or timer: store it (deduplicated), read the state,
 * decide, write the decision. Runs inside the group-commit transaction.
 */
export async function recordCallEvent(trx: Kysely<Database>, e: IncomingEvent, now: number, lease: number): Promise<Committed> {
  const outcome: Outcome = e.session === null ? 'unknown_session' : e.event === null ? 'ignored' : 'processed';
  const fresh = await recordEvent(trx, {
    gateway: e.gateway,
    eventId: e.eventId,
    session: e.session?.session ?? e.sessionName,
    type: e.type,
    callId: e.event?.callId ?? null,
    outcome,
    receivedAt: now,
    body: e.body,
  });
  if (!fresh) return nothing('duplicate');
  if (e.session === null || e.event === null) return nothing(outcome);

  const settings = e.session;
  const event = e.event;
  const session = settings.session;
  const callerId = event.type === 'call.ringing' ? event.caller : null;
  const state = {
    call: await findCall(trx, session, event.callId),
    caller: callerId ? await findCaller(trx, session, callerId) : null,
  };
  const d = decide(event, state, settings, now);

  if (d.call && (await saveCall(trx, d.call, state.call?.status ?? null, now)) === null) throw new StaleDecision('call');
  if (d.caller && callerId && !(await saveCaller(trx, session, callerId, d.caller, state.caller, now))) {
    throw new StaleDecision('caller');
  }
  await scheduleTimers(trx, session, d.timers);
  await cancelTimers(trx, d.cancelTimers);
  const actions = await insertActions(trx, session, event.callId, d.actions, now, lease);
  return {
    outcome,
    actions,
    timers: d.timers,
    changedCall: d.call ? { session, callId: event.callId } : null,
  };
}
