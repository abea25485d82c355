import { escalationPending } from './escalation.js';
import { formatOpensAt, nextOpening } from './hours.js';
import type { CallerState, CallEvent, MessageTemplate, RedirectSkipReason, SessionSettings } from './types.js';
import { chooseText, type ChosenText } from './variants.js';

type Ringing = Extract<CallEvent, { type: 'call.ringing' }>;

/** Why a new ring gets no redirect in chat, or null when it gets one. */
export function redirectSkipReason(
  event: Ringing,
  caller: CallerState,
  vip: boolean,
  optedOut: boolean,
  settings: SessionSettings,
  now: number,
): RedirectSkipReason | null {
  if (event.fromMe) return 'from_me';
  if (event.isGroup) return 'group';
  if (!event.caller) return 'no_caller';
  if (optedOut) return 'opted_out';
  if (!settings.redirect.enabled) return 'disabled';
  // A VIP reaches a person, not a bot.
  if (vip && settings.vip.bypassRedirect) return 'vip';
  if (caller.lastRedirectAt !== null && now - caller.lastRedirectAt < settings.redirect.debounce) return 'debounced';
  return null;
}

/** A redirect's text: its config key, the variant chosen, and what it says that only the decision knows. */
export interface RedirectText extends ChosenText {
  key: string;
  vars?: Record<string, string>;
}

/**
 * The redirect's text. Outside business hours, the closed text of its kind (it says when the
 * session opens), whether the caller was told before or not: a "someone will write shortly" would
 * be untrue at night. Open: firmer for a caller redirected before; for one a person has been told
 * about, it says so.
 */
export function redirectText(
  event: Ringing,
  before: CallerState,
  after: CallerState,
  settings: SessionSettings,
  context: { language: string; closed: boolean },
  now: number,
): RedirectText {
  const r = settings.redirect;
  const kind = event.isVideo ? 'video' : 'voice';
  const pick = (key: string, template: MessageTemplate) => ({
    key,
    ...chooseText(template, context.language, settings.languages.default, event.callId),
  });
  const closedText = r.closed[kind];
  if (context.closed && closedText && settings.hours) {
    const opening = nextOpening(settings.hours, now);
    const opensAt = opening === null ? '' : formatOpensAt(opening, now, settings.hours.timezone, context.language);
    return { ...pick(`closed.${kind}`, closedText), vars: { opensAt } };
  }
  const repeat = before.lastRedirectAt !== null && now - before.lastRedirectAt < r.repeatWithin;
  if (!repeat) return pick(kind, r[kind]);
  return escalationPending(after, now) ? pick('repeatStressed', r.repeatStressed) : pick('repeat', r.repeat);
}
