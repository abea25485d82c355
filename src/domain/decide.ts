import type { Call, CallerState, CallEvent, Decision, RedirectSkipReason, SessionSettings } from './types.js';

export interface DecisionState {
  call: Call | null;
  caller: CallerState | null;
}

const nothing = (): Decision => ({
  call: null,
  caller: null,
  actions: [],
  timers: [],
  cancelTimers: [],
});

export const ringTimerKey = (session: string, callId: string) => `ring:${session}:${callId}`;

/**
 * The policy: what an event means for a call, and which side effects follow.
 * Pure: the same (event, state, settings, now) always gives the same decision.
 */
export function decide(event: CallEvent, state: DecisionState, settings: SessionSettings, now: number): Decision {
  switch (event.type) {
    case 'call.ringing':
      return state.call ? fillInDetails(event, state) : ring(event, state, settings, now);
    case 'call.answered':
    case 'call.rejected':
      return end(event, state, settings.session, event.type === 'call.answered' ? 'answered' : 'rejected', now);
    case 'call.timeout':
      if (state.call?.status !== 'ringing') return nothing();
      return { ...nothing(), call: { ...state.call, status: 'missed', endedAt: now } };
  }
}

function ring(
  event: Extract<CallEvent, { type: 'call.ringing' }>,
  state: DecisionState,
  settings: SessionSettings,
  now: number,
): Decision {
  const { session } = settings;
  const skipped = redirectSkipReason(event, state.caller, settings, now);
  const call: Call = {
    session,
    callId: event.callId,
    caller: event.caller,
    isVideo: event.isVideo,
    isGroup: event.isGroup,
    fromMe: event.fromMe,
    status: 'ringing',
    receivedAt: now,
    endedAt: null,
    redirectSkipped: skipped,
  };
  const decision: Decision = {
    ...nothing(),
    call,
    timers: [{ key: ringTimerKey(session, event.callId), kind: 'ringTimeout', dueAt: now + settings.ringTimeout, callId: event.callId }],
  };
  if (event.caller && skipped === null) {
    const { redirect } = settings;
    decision.caller = { ...state.caller, lastRedirectAt: now };
    decision.actions.push({
      kind: 'sendRedirect',
      key: `redirect:${session}:${event.callId}`,
      expiresAt: now + redirect.expireAfter,
      payload: { chatId: event.caller, template: event.isVideo ? redirect.video : redirect.voice, isVideo: event.isVideo },
    });
  }
  if (settings.rejectCalls && event.caller && !event.fromMe && !event.isGroup) {
    decision.actions.push({
      kind: 'rejectCall',
      key: `reject:${session}:${event.callId}`,
      // Rejecting a call that has stopped ringing does nothing useful.
      expiresAt: now + settings.ringTimeout,
      payload: { chatId: event.caller, callId: event.callId },
    });
  }
  return decision;
}

function redirectSkipReason(
  event: Extract<CallEvent, { type: 'call.ringing' }>,
  caller: CallerState | null,
  settings: SessionSettings,
  now: number,
): RedirectSkipReason | null {
  if (event.fromMe) return 'from_me';
  if (event.isGroup) return 'group';
  if (!event.caller) return 'no_caller';
  if (!settings.redirect.enabled) return 'disabled';
  const last = caller?.lastRedirectAt;
  if (last != null && now - last < settings.redirect.debounce) return 'debounced';
  return null;
}

/** A repeated ring event for a known call: learn what the first event lacked, act no further. */
function fillInDetails(event: Extract<CallEvent, { type: 'call.ringing' }>, state: DecisionState): Decision {
  const call = state.call!;
  if (call.caller || !event.caller) return nothing();
  return { ...nothing(), call: { ...call, caller: event.caller, isVideo: event.isVideo, isGroup: event.isGroup } };
}

function end(
  event: Extract<CallEvent, { type: 'call.answered' | 'call.rejected' }>,
  state: DecisionState,
  session: string,
  status: 'answered' | 'rejected',
  now: number,
): Decision {
  const current = state.call;
  if (!current) {
    // The closing event overtook the ring (or the ring never came): record the call as it ended.
    return {
      ...nothing(),
      call: {
        session,
        callId: event.callId,
        caller: event.caller,
        isVideo: false,
        isGroup: false,
        fromMe: false,
        status,
        receivedAt: now,
        endedAt: now,
        redirectSkipped: 'late',
      },
    };
  }
  // "missed" was only our inference from silence; the gateway's word overrides it.
  if (current.status !== 'ringing' && current.status !== 'missed') return nothing();
  return {
    ...nothing(),
    call: { ...current, caller: current.caller ?? event.caller, status, endedAt: now },
    cancelTimers: [ringTimerKey(session, event.callId)],
  };
}
