import type { Kysely } from 'kysely';
import { decide, type DecisionState } from '../domain/decide.js';
import { windowStart } from '../domain/frustration.js';
import type { CallerProfile, CallEvent, SessionSettings, TimerSpec } from '../domain/types.js';
import { actionWrites, type Action } from '../store/actions.js';
import { callerWrite, findCaller } from '../store/callers.js';
import { callWrite, findCall } from '../store/calls.js';
import { eventSummary, recordEvent } from '../store/events.js';
import type { FeedRef } from '../store/feed.js';
import type { Database } from '../store/schema.js';
import { cancelTimers, timerWrites } from '../store/timers.js';
import { writeTogether, type Write } from '../store/together.js';
import { findOptOut, saveOptOut } from '../store/optouts.js';
import { findRing } from '../store/ringFacts.js';
import { applyWorkItems } from './applyWorkItems.js';
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
  /** Why the caller is no WhatsApp chat: the event is stored as `invalid_caller` and acted on never. */
  invalidCaller?: string;
  body: string;
  /** What the CRM said about the caller, asked before the transaction. */
  profile?: CallerProfile | null;
  /**
   * A connection to the session's gateway is held for the text this event may decide: it goes on
   * the wire marked by this event's commit (`actionWrites`).
   */
  connectionHeld?: boolean;
}

export type Outcome = 'processed' | 'duplicate' | 'ignored' | 'unknown_session' | 'invalid_caller';

/** What the rest of the process must do once the transaction has committed. */
export interface Committed {
  outcome: Outcome;
  actions: Action[];
  timers: TimerSpec[];
  /** The call this event changed, for the live feed. */
  changedCall: { session: string; callId: string } | null;
  /** The work items this event opened, joined or closed, for the live feed. */
  changedItems: FeedRef[];
}

export const nothingCommitted = (outcome: Outcome): Committed => ({
  outcome,
  actions: [],
  timers: [],
  changedCall: null,
  changedItems: [],
});

const callIdOf = (e: CallEvent | null) => (e && 'callId' in e ? e.callId : null);

/**
 * Whether an event can change anything. A text sent through the gateway's API (callbridge's own,
 * echoed back by WAHA's `message.any`, one per redirect) cannot: it is kept as a summary, like any
 * event not acted on, and decides nothing.
 */
const actsOn = (e: CallEvent) => e.type !== 'message.sent' || e.byPerson;

/**
 * The caller whose state this event reads and may change: a person who rang, or who wrote; a group
 * that rang, when the session answers groups (their debounce is kept as a caller's).
 */
function callerOf(e: CallEvent, s: SessionSettings): string | null {
  if (e.type === 'message.received') return e.caller;
  if (e.type !== 'call.ringing' || e.fromMe) return null;
  return !e.isGroup || s.groupCalls.action === 'redirect' ? e.caller : null;
}

async function loadState(
  trx: Kysely<Database>,
  e: CallEvent,
  s: SessionSettings,
  now: number,
  profile: CallerProfile | null,
): Promise<DecisionState> {
  const none = { caller: null, recentCalls: 0, vip: null, profile: null, optedOut: null };
  if (e.type === 'message.received' || e.type === 'message.sent') {
    const caller = await findCaller(trx, s.session, e.caller);
    const last = caller?.lastRedirectedCallId;
    const call = last ? await findCall(trx, s.session, last) : null;
    if (e.type === 'message.sent') return { ...none, call, caller };
    return { ...none, call, caller, optedOut: await findOptOut(trx, s.session, e.caller) };
  }
  const person = callerOf(e, s);
  if (e.type !== 'call.ringing' || person === null) {
    const call = await findCall(trx, s.session, e.callId);
    if (e.type !== 'followUp.due') return { ...none, call };
    return { ...none, call, optedOut: call?.caller ? await findOptOut(trx, s.session, call.caller) : null };
  }
  // A ring reads the call and the person's standing at once; only a new ring uses (and may change)
  // the caller: repeats of a known call don't.
  const ring = await findRing(trx, s.session, e.callId, person, windowStart(s.frustration, now));
  if (ring.call !== null) return { ...none, call: ring.call };
  if (e.isGroup) return { ...none, call: null, caller: ring.caller };
  return { call: null, caller: ring.caller, profile, ...ring.facts };
}

/**
 * The one path every event takes, webhook, timer or outbox outcome: store it (deduplicated),
 * read the state, decide, write the decision. Runs inside the group-commit transaction; a
 * decision made on state that changed meanwhile throws StaleDecision and the job runs again.
 */
export async function recordCallEvent(
  trx: Kysely<Database>,
  e: IncomingEvent,
  now: number,
  lease: number,
): Promise<Committed> {
  const outcome: Outcome =
    e.session === null
      ? 'unknown_session'
      : e.invalidCaller !== undefined
        ? 'invalid_caller'
        : e.event === null || !actsOn(e.event)
          ? 'ignored'
          : 'processed';
  const session = e.session?.session ?? e.sessionName;
  const fresh = await recordEvent(trx, {
    gateway: e.gateway,
    eventId: e.eventId,
    session,
    type: e.type,
    callId: callIdOf(e.event),
    outcome,
    receivedAt: now,
    // The full body only for what is acted on: junk posted by anyone costs a bounded row.
    body:
      outcome === 'processed'
        ? e.body
        : eventSummary({
            type: e.type,
            session,
            eventId: e.eventId,
            bytes: Buffer.byteLength(e.body),
            problem: e.invalidCaller,
          }),
  });
  if (!fresh) return nothingCommitted('duplicate');
  if (e.session === null || e.event === null || outcome !== 'processed') return nothingCommitted(outcome);
  return applyCallEvent(trx, e.session, e.event, now, lease, e.profile ?? null, e.connectionHeld);
}

/**
 * Reads the state, decides and writes the decision, for an event that needs no row of its own:
 * callbridge's note that a redirect was delivered is told by its action, and deciding it twice
 * changes nothing the second time (the call is already redirected).
 */
export async function applyCallEvent(
  trx: Kysely<Database>,
  settings: SessionSettings,
  event: CallEvent,
  now: number,
  lease: number,
  profile: CallerProfile | null = null,
  connectionHeld = false,
): Promise<Committed> {
  const { session } = settings;
  const state = await loadState(trx, event, settings, now, profile);
  const d = decide(event, state, settings, now);

  const caller = callerOf(event, settings);
  // Written together: on PostgreSQL one round trip for the call, the caller, its timers and actions.
  const call = d.call ? callWrite(trx, d.call, state.call?.status ?? null, now) : null;
  const standing = d.caller && caller ? callerWrite(trx, session, caller, d.caller, state.caller, now) : null;
  const created = actionWrites(trx, session, d.call?.callId ?? callIdOf(event), d.actions, now, lease, connectionHeld);
  const decided = ([call, standing] as Array<Write<unknown> | null>).filter((w) => w !== null);
  await writeTogether(trx, [...decided, ...timerWrites(trx, session, d.timers), ...created]);
  // Whatever else was written with them is undone with the job, which runs again.
  if (call?.value === null) throw new StaleDecision('call');
  if (standing?.value === false) throw new StaleDecision('caller');
  if (d.optOut && caller) await saveOptOut(trx, session, caller, d.optOut);
  // After the new timers, as before they were written together: a key both scheduled and cancelled goes.
  await cancelTimers(trx, d.cancelTimers);
  const actions = created.flatMap((w) => (w.value ? [w.value] : []));
  const queue = await applyWorkItems(trx, session, event, state, d, now);
  return {
    outcome: 'processed',
    actions,
    timers: d.timers,
    changedCall: d.call ? { session, callId: d.call.callId } : null,
    changedItems: queue,
  };
}
