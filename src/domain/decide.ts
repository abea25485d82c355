import { alertActions, callAlertData } from './alerts.js';
import { emptyCaller, newCall, nothing, ringTimer, ringTimerKey } from './decision.js';
import { followUpDue, followUpKey, followUpTimer } from './followUp.js';
import { frustrationLevel, windowStart } from './frustration.js';
import { groupRing } from './groupCall.js';
import { callerLanguage } from './language.js';
import { message } from './message.js';
import { redirectSkipReason, redirectText } from './redirect.js';
import type { AlertData, Call, CallerProfile, CallerState, CallEvent, Decision, SessionSettings } from './types.js';
import { isVip } from './vip.js';

export interface DecisionState {
  /** The call the event is about (for a message: the caller's last redirected call). */
  call: Call | null;
  caller: CallerState | null;
  /** The caller's earlier calls within the frustration window (not counting this one). */
  recentCalls: number;
  /** The caller's entry in the session's VIP list, from the config or the API. */
  vip: { name: string | null } | null;
  /** What the CRM said about the caller, when asked in time. */
  profile: CallerProfile | null;
  /** When the caller wrote an opt-out keyword, unless they have resumed since. */
  optedOut: { at: number } | null;
}

type Ringing = Extract<CallEvent, { type: 'call.ringing' }>;

/**
 * The policy: what an event means for a call and a caller, and which side effects follow.
 * Pure: the same (event, state, settings, now) always gives the same decision.
 */
export function decide(event: CallEvent, state: DecisionState, settings: SessionSettings, now: number): Decision {
  switch (event.type) {
    case 'call.ringing':
      return state.call ? fillInDetails(event, state.call) : ring(event, state, settings, now);
    case 'call.answered':
    case 'call.rejected':
      return end(event, state.call, settings, now);
    case 'call.timeout':
      return timeout(state.call, settings, now);
    case 'redirect.sent':
      return redirected(state.call, event.name ?? null, settings, now);
    case 'message.received':
      return message(event, state, settings, now);
    case 'followUp.due':
      return followUpDue(state.call, state.optedOut !== null, settings, now);
    case 'message.sent':
      // A person at the business wrote to the caller: the bot's follow-up would come after them.
      return event.byPerson && state.call
        ? { ...nothing(), cancelTimers: [followUpKey(settings.session, state.call.callId)] }
        : nothing();
  }
}

function ring(event: Ringing, state: DecisionState, settings: SessionSettings, now: number): Decision {
  if (event.isGroup && !event.fromMe) return groupRing(event, state.caller, settings, now);
  const { session } = settings;
  const person = event.caller !== null && !event.fromMe && !event.isGroup ? event.caller : null;
  const callsInWindow = person ? state.recentCalls + 1 : 0;
  const level = person ? frustrationLevel(callsInWindow, settings.frustration) : null;
  const vip = person !== null && isVip(settings, person, { added: state.vip !== null, crm: state.profile?.vip });
  const before = state.caller ?? emptyCaller;
  // Named by the VIP list or the CRM; else the text's name is looked up as it is sent (a push name
  // may have changed since), and the call shows the name the caller was last greeted by.
  const name = state.vip?.name || (person && settings.vip.names[person]) || state.profile?.name || null;
  const skipped = redirectSkipReason(event, before, vip, state.optedOut !== null, settings, now);
  const call: Call = {
    ...newCall(event, settings, now),
    isVip: vip,
    level,
    redirectSkipped: skipped,
    name: name ?? before.name,
    language: person ? callerLanguage(settings.languages, person) : null,
  };
  const decision: Decision = { ...nothing(), call, timers: [ringTimer(settings, event.callId, now)] };
  const profile = state.profile ? { tier: state.profile.tier ?? null, tags: state.profile.tags ?? [] } : null;
  const data = (reason: string, extra: Partial<AlertData> = {}) =>
    callAlertData(call, reason, { name, callsInWindow: person ? callsInWindow : null, profile, ...extra });
  decision.actions.push(
    ...alertActions(
      settings,
      'received',
      event.callId,
      data(event.isVideo ? 'incoming video call' : 'incoming voice call'),
      now,
    ),
  );
  if (!person) return decision;

  const after: CallerState = { ...before, lastCallAt: now };
  if (vip) {
    decision.actions.push(
      ...alertActions(settings, 'vip', event.callId, data('a VIP is calling: reach out in chat now'), now),
    );
  }
  if (level === 'stressed' && (before.stressedAt === null || now - before.stressedAt >= settings.frustration.window)) {
    after.stressedAt = now;
    after.escalateUntil = now + settings.frustration.escalateFor;
    const since = new Date(windowStart(settings.frustration, now)).toISOString();
    decision.actions.push(
      ...alertActions(
        settings,
        'stressed',
        `${person}:${now}`,
        data(`${callsInWindow} calls since ${since}: their next text is escalated`),
        now,
      ),
    );
  }
  if (skipped === null) {
    after.lastRedirectAt = now;
    after.lastRedirectedCallId = event.callId;
    const language = call.language ?? settings.languages.default;
    const text = redirectText(event, before, after, settings, { language, closed: call.closed }, now);
    call.template = text.key;
    call.variant = text.variant;
    decision.actions.push({
      kind: 'sendRedirect',
      key: `redirect:${session}:${event.callId}`,
      expiresAt: now + settings.redirect.expireAfter,
      payload: {
        chatId: person,
        template: text.template,
        name,
        isVideo: event.isVideo,
        ...(text.vars ? { vars: text.vars } : {}),
      },
    });
    // One follow-up pending per caller: the one of the call they were last told about.
    if (before.lastRedirectedCallId) decision.cancelTimers.push(followUpKey(session, before.lastRedirectedCallId));
    if (settings.followUp.enabled)
      decision.timers.push(followUpTimer(session, event.callId, now + settings.followUp.after));
  }
  if (settings.rejectCalls) {
    decision.actions.push({
      kind: 'rejectCall',
      key: `reject:${session}:${event.callId}`,
      // Rejecting a call that has stopped ringing does nothing useful.
      expiresAt: now + settings.ringTimeout,
      payload: { chatId: person, callId: event.callId },
    });
  }
  decision.caller = after;
  return decision;
}

/** A repeated ring event for a known call: learn what the first event lacked, act no further. */
function fillInDetails(event: Ringing, call: Call): Decision {
  if (call.caller || !event.caller) return nothing();
  return { ...nothing(), call: { ...call, caller: event.caller, isVideo: event.isVideo, isGroup: event.isGroup } };
}

function end(
  event: Extract<CallEvent, { type: 'call.answered' | 'call.rejected' }>,
  current: Call | null,
  settings: SessionSettings,
  now: number,
): Decision {
  const status = event.type === 'call.answered' ? 'answered' : 'rejected';
  let call: Call;
  let cancelTimers: string[] = [];
  if (!current) {
    // The closing event overtook the ring (or the ring never came): record the call as it ended.
    const ringing = { ...event, type: 'call.ringing', isVideo: false, isGroup: false, fromMe: false } as const;
    call = { ...newCall(ringing, settings, now), status, endedAt: now, redirectSkipped: 'late' };
  } else if (current.status === 'ringing' || current.status === 'missed') {
    // "missed" was only our inference from silence; the gateway's word overrides it.
    call = { ...current, caller: current.caller ?? event.caller, status, endedAt: now };
    cancelTimers = [ringTimerKey(settings.session, event.callId)];
  } else {
    return nothing();
  }
  const reason = status === 'answered' ? 'the call was answered' : 'the call was rejected';
  return {
    ...nothing(),
    call,
    cancelTimers,
    actions: alertActions(settings, status, event.callId, callAlertData(call, reason), now),
  };
}

function timeout(current: Call | null, settings: SessionSettings, now: number): Decision {
  if (current?.status !== 'ringing') return nothing();
  const call: Call = { ...current, status: 'missed', endedAt: now };
  const seconds = Math.round((now - current.receivedAt) / 1000);
  return {
    ...nothing(),
    call,
    actions: alertActions(
      settings,
      'missed',
      call.callId,
      callAlertData(call, `nobody answered within ${seconds}s`),
      now,
    ),
  };
}

function redirected(current: Call | null, name: string | null, settings: SessionSettings, now: number): Decision {
  if (!current || current.redirectedAt !== null) return nothing();
  // The gateway's contact name, looked up as the text was sent, for calls whose name was not known.
  const call: Call = { ...current, redirectedAt: now, name: current.name ?? name };
  return {
    ...nothing(),
    call,
    actions: alertActions(
      settings,
      'redirected',
      call.callId,
      callAlertData(call, 'the caller was answered in chat'),
      now,
    ),
  };
}
