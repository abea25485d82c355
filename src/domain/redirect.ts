import { escalationPending } from './escalation.js';
import type { CallerState, CallEvent, RedirectSkipReason, SessionSettings } from './types.js';

type Ringing = Extract<CallEvent, { type: 'call.ringing' }>;

/** Why a new ring gets no redirect in chat, or null when it gets one. */
export function redirectSkipReason(
  event: Ringing,
  caller: CallerState,
  vip: boolean,
  settings: SessionSettings,
  now: number,
): RedirectSkipReason | null {
  if (event.fromMe) return 'from_me';
  if (event.isGroup) return 'group';
  if (!event.caller) return 'no_caller';
  if (!settings.redirect.enabled) return 'disabled';
  // A VIP reaches a person, not a bot.
  if (vip && settings.vip.bypassRedirect) return 'vip';
  if (caller.lastRedirectAt !== null && now - caller.lastRedirectAt < settings.redirect.debounce) return 'debounced';
  return null;
}

/** The redirect's text: firmer for a caller redirected before; for one a person has been told about, it says so. */
export function redirectTemplate(
  event: Ringing,
  before: CallerState,
  after: CallerState,
  settings: SessionSettings,
  now: number,
): string {
  const r = settings.redirect;
  const repeat = before.lastRedirectAt !== null && now - before.lastRedirectAt < r.repeatWithin;
  if (!repeat) return event.isVideo ? r.video : r.voice;
  return escalationPending(after, now) ? r.repeatStressed : r.repeat;
}
