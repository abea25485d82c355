import { nothing } from './decision.js';
import { isOpen, nextOpening } from './hours.js';
import type { Call, Decision, SessionSettings, TimerSpec } from './types.js';
import { chooseText } from './variants.js';

/** One follow-up per call: its timer and its text share the key, so neither happens twice. */
export const followUpKey = (session: string, callId: string) => `followUp:${session}:${callId}`;

export const followUpTimer = (session: string, callId: string, dueAt: number): TimerSpec => ({
  key: followUpKey(session, callId),
  kind: 'followUp',
  dueAt,
  callId,
});

/**
 * A redirected call's follow-up fell due. The caller writing, opting out, or an agent taking the
 * call's work item deletes the timer; what is checked here is what can change without it: whether
 * the redirect ever arrived, and the hours.
 */
export function followUpDue(call: Call | null, optedOut: boolean, settings: SessionSettings, now: number): Decision {
  const f = settings.followUp;
  if (!f.enabled || !call?.caller || call.redirectedAt === null || call.convertedAt !== null || optedOut)
    return nothing();
  if (settings.hours && f.whenClosed !== 'send' && !isOpen(settings.hours, now)) {
    if (f.whenClosed === 'skip') return nothing();
    const opening = nextOpening(settings.hours, now);
    return opening === null
      ? nothing()
      : { ...nothing(), timers: [followUpTimer(settings.session, call.callId, opening)] };
  }
  const language = call.language ?? settings.languages.default;
  const text = chooseText(f.text, language, settings.languages.default, `followUp:${call.callId}`);
  return {
    ...nothing(),
    actions: [
      {
        kind: 'sendFollowUp',
        key: followUpKey(settings.session, call.callId),
        expiresAt: now + settings.redirect.expireAfter,
        payload: { chatId: call.caller, template: text.template, name: call.name },
      },
    ],
  };
}
