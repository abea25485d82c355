import { alertActions, callAlertData, callerAlertData } from './alerts.js';
import { escalationPending } from './escalation.js';
import { frustrationLevel, windowStart } from './frustration.js';
import { redirectSkipReason, redirectTemplate } from './redirect.js';
import type {
  ActionSpec,
  AlertData,
  Call,
  CallerProfile,
  CallerState,
  CallEvent,
  Decision,
  SessionSettings,
} from './types.js';
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
}

type Ringing = Extract<CallEvent, { type: 'call.ringing' }>;
type Message = Extract<CallEvent, { type: 'message.received' }>;

const nothing = (): Decision => ({ call: null, caller: null, actions: [], timers: [], cancelTimers: [] });

export const emptyCaller: CallerState = {
  version: 0,
  lastCallAt: null,
  lastRedirectAt: null,
  lastRedirectedCallId: null,
  stressedAt: null,
  escalateUntil: null,
  welcomedAt: null,
};

export const ringTimerKey = (session: string, callId: string) => `ring:${session}:${callId}`;

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
      return redirected(state.call, settings, now);
    case 'message.received':
      return message(event, state, settings, now);
    case 'message.sent':
      return nothing();
  }
}

function ring(event: Ringing, state: DecisionState, settings: SessionSettings, now: number): Decision {
  const { session } = settings;
  const person = event.caller !== null && !event.fromMe && !event.isGroup ? event.caller : null;
  const callsInWindow = person ? state.recentCalls + 1 : 0;
  const level = person ? frustrationLevel(callsInWindow, settings.frustration) : null;
  const vip = person !== null && isVip(settings, person, { added: state.vip !== null, crm: state.profile?.vip });
  const name = state.vip?.name || state.profile?.name || null;
  const before = state.caller ?? emptyCaller;
  const skipped = redirectSkipReason(event, before, vip, settings, now);
  const call: Call = {
    session,
    callId: event.callId,
    caller: event.caller,
    isVideo: event.isVideo,
    isGroup: event.isGroup,
    fromMe: event.fromMe,
    isVip: vip,
    status: 'ringing',
    level,
    receivedAt: now,
    endedAt: null,
    redirectSkipped: skipped,
    redirectedAt: null,
    convertedAt: null,
  };
  const decision: Decision = {
    ...nothing(),
    call,
    timers: [
      {
        key: ringTimerKey(session, event.callId),
        kind: 'ringTimeout',
        dueAt: now + settings.ringTimeout,
        callId: event.callId,
      },
    ],
  };
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
    decision.actions.push({
      kind: 'sendRedirect',
      key: `redirect:${session}:${event.callId}`,
      expiresAt: now + settings.redirect.expireAfter,
      payload: {
        chatId: person,
        template: redirectTemplate(event, before, after, settings, now),
        name,
        isVideo: event.isVideo,
      },
    });
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
    call = {
      session: settings.session,
      callId: event.callId,
      caller: event.caller,
      isVideo: false,
      isGroup: false,
      fromMe: false,
      isVip: false,
      status,
      level: null,
      receivedAt: now,
      endedAt: now,
      redirectSkipped: 'late',
      redirectedAt: null,
      convertedAt: null,
    };
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

function redirected(current: Call | null, settings: SessionSettings, now: number): Decision {
  if (!current || current.redirectedAt !== null) return nothing();
  const call: Call = { ...current, redirectedAt: now };
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

function message(event: Message, state: DecisionState, settings: SessionSettings, now: number): Decision {
  const before = state.caller ?? emptyCaller;
  const after: CallerState = { ...before };
  const decision = nothing();
  const data = (reason: string, extra: Partial<AlertData> = {}): AlertData =>
    callerAlertData(settings.session, event.caller, reason, {
      message: { id: event.messageId, text: event.text },
      ...extra,
    });

  if (escalationPending(before, now)) {
    after.escalateUntil = null;
    const alerts = alertActions(
      settings,
      'escalated',
      event.messageId,
      data('Priority 1: a caller who kept calling has written', { priority: 'P1', level: 'stressed' }),
      now,
    );
    decision.actions.push(...alerts);
  }

  const call = state.call;
  if (call?.redirectedAt != null && call.convertedAt === null && now - call.redirectedAt <= settings.conversionWindow) {
    decision.call = { ...call, convertedAt: now };
  }

  const { welcome } = settings;
  const toldRecently = before.lastRedirectAt !== null && now - before.lastRedirectAt < welcome.every;
  const welcomedRecently = before.welcomedAt !== null && now - before.welcomedAt < welcome.every;
  if (welcome.enabled && !toldRecently && !welcomedRecently) {
    after.welcomedAt = now;
    const welcomeAction: ActionSpec = {
      kind: 'sendWelcome',
      key: `welcome:${settings.session}:${event.caller}:${event.messageId}`,
      expiresAt: now + settings.redirect.expireAfter,
      payload: { chatId: event.caller, template: welcome.text, name: null },
    };
    decision.actions.push(welcomeAction);
  }

  if (after.escalateUntil !== before.escalateUntil || after.welcomedAt !== before.welcomedAt) decision.caller = after;
  return decision;
}
