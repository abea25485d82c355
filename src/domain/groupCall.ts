import { alertActions, callAlertData } from './alerts.js';
import { emptyCaller, newCall, nothing, ringTimer } from './decision.js';
import type { CallerState, CallEvent, Decision, SessionSettings } from './types.js';
import { chooseText } from './variants.js';

type Ringing = Extract<CallEvent, { type: 'call.ringing' }>;

/**
 * A group rang. `ignore` records it; `alert` tells agents (nobody else will: a group call has no
 * one caller to redirect); `redirect` sends the group one text per call, debounced per group as a
 * caller is: `group` is the group's state, kept under its chat id.
 */
export function groupRing(event: Ringing, group: CallerState | null, settings: SessionSettings, now: number): Decision {
  const { action } = settings.groupCalls;
  const before = group ?? emptyCaller;
  const debounced = before.lastRedirectAt !== null && now - before.lastRedirectAt < settings.redirect.debounce;
  const chatId = event.caller;
  const sends = action === 'redirect' && chatId !== null && settings.redirect.enabled && !debounced;
  const call = {
    ...newCall(event, settings, now),
    language: settings.languages.default,
    redirectSkipped: sends ? null : action === 'redirect' && debounced ? ('debounced' as const) : ('group' as const),
  };
  const decision: Decision = { ...nothing(), call, timers: [ringTimer(settings, event.callId, now)] };
  const kind = event.isVideo ? 'video' : 'voice';
  decision.actions.push(
    ...alertActions(settings, 'received', event.callId, callAlertData(call, `incoming ${kind} call from a group`), now),
  );
  if (action === 'alert') {
    const reason = `a ${kind} call from a group: nobody was answered in chat, write to the group`;
    decision.actions.push(...alertActions(settings, 'group', event.callId, callAlertData(call, reason), now));
  }
  if (sends) {
    const text = chooseText(settings.redirect.group, call.language, settings.languages.default, event.callId);
    call.template = 'group';
    call.variant = text.variant;
    decision.actions.push({
      kind: 'sendRedirect',
      key: `redirect:${settings.session}:${event.callId}`,
      expiresAt: now + settings.redirect.expireAfter,
      payload: { chatId, template: text.template, name: null, isVideo: event.isVideo },
    });
    decision.caller = { ...before, lastCallAt: now, lastRedirectAt: now, lastRedirectedCallId: event.callId };
  }
  return decision;
}
