import { alertActions, callerAlertData } from './alerts.js';
import { emptyCaller, nothing } from './decision.js';
import { escalationPending } from './escalation.js';
import { followUpKey } from './followUp.js';
import { callerLanguage } from './language.js';
import { optOutKeyword } from './optOut.js';
import type { ActionSpec, AlertData, Call, CallerState, CallEvent, Decision, SessionSettings } from './types.js';
import { chooseText } from './variants.js';

type Message = Extract<CallEvent, { type: 'message.received' }>;

/** How much of the reply that converted a call it keeps: what an agent reads at a glance, on every call row. */
const REPLY_KEPT = 1000;

export interface MessageState {
  /** The caller's last redirected call. */
  call: Call | null;
  caller: CallerState | null;
  optedOut: { at: number } | null;
}

/**
 * A caller wrote. An opt-out keyword turns automated texts off (confirmed once), a resume keyword
 * on again; anything else may convert their last redirected call and earn a welcome. Whatever
 * they wrote, a pending escalation goes to a person and the follow-up is no longer needed.
 */
export function message(event: Message, state: MessageState, settings: SessionSettings, now: number): Decision {
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
  if (call) decision.cancelTimers.push(followUpKey(settings.session, call.callId));

  const keyword = optOutKeyword(event.text, settings.optOut);
  const language = callerLanguage(settings.languages, event.caller);
  const reply = (kind: 'confirm' | 'resumed') =>
    decision.actions.push({
      kind: 'sendOptOut',
      key: `optOut:${settings.session}:${event.caller}:${event.messageId}`,
      expiresAt: now + settings.redirect.expireAfter,
      payload: {
        chatId: event.caller,
        template: chooseText(settings.optOut[kind], language, settings.languages.default, event.messageId).template,
        name: null,
      },
    });
  if (keyword === 'stop') {
    // Said twice, confirmed once: a second "STOP" gets no answer at all.
    if (state.optedOut === null) {
      decision.optOut = { at: now };
      reply('confirm');
    }
  } else if (keyword === 'start' && state.optedOut !== null) {
    decision.optOut = 'clear';
    reply('resumed');
  } else {
    if (
      call?.redirectedAt != null &&
      call.convertedAt === null &&
      now - call.redirectedAt <= settings.conversionWindow
    ) {
      decision.call = { ...call, convertedAt: now, reply: event.text.slice(0, REPLY_KEPT) };
    }
    const { welcome } = settings;
    const toldRecently = before.lastRedirectAt !== null && now - before.lastRedirectAt < welcome.every;
    const welcomedRecently = before.welcomedAt !== null && now - before.welcomedAt < welcome.every;
    if (welcome.enabled && state.optedOut === null && !toldRecently && !welcomedRecently) {
      after.welcomedAt = now;
      const welcomeAction: ActionSpec = {
        kind: 'sendWelcome',
        key: `welcome:${settings.session}:${event.caller}:${event.messageId}`,
        expiresAt: now + settings.redirect.expireAfter,
        payload: {
          chatId: event.caller,
          template: chooseText(welcome.text, language, settings.languages.default, event.messageId).template,
          name: null,
        },
      };
      decision.actions.push(welcomeAction);
    }
  }

  if (after.escalateUntil !== before.escalateUntil || after.welcomedAt !== before.welcomedAt) decision.caller = after;
  return decision;
}
