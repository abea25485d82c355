import { isOpen } from './hours.js';
import type { Call, CallerState, CallEvent, Decision, SessionSettings } from './types.js';

type Ringing = Extract<CallEvent, { type: 'call.ringing' }>;

/** A decision that changes nothing. */
export const nothing = (): Decision => ({
  call: null,
  caller: null,
  actions: [],
  timers: [],
  cancelTimers: [],
  optOut: null,
});

export const emptyCaller: CallerState = {
  version: 0,
  lastCallAt: null,
  lastRedirectAt: null,
  lastRedirectedCallId: null,
  stressedAt: null,
  escalateUntil: null,
  welcomedAt: null,
  name: null,
};

export const ringTimerKey = (session: string, callId: string) => `ring:${session}:${callId}`;

/** What every new call records, whoever rang. */
export function newCall(event: Ringing, settings: SessionSettings, now: number): Call {
  return {
    session: settings.session,
    callId: event.callId,
    caller: event.caller,
    isVideo: event.isVideo,
    isGroup: event.isGroup,
    fromMe: event.fromMe,
    isVip: false,
    status: 'ringing',
    level: null,
    receivedAt: now,
    endedAt: null,
    redirectSkipped: null,
    redirectedAt: null,
    convertedAt: null,
    name: null,
    closed: settings.hours !== null && !isOpen(settings.hours, now),
    language: null,
    template: null,
    variant: null,
    reply: null,
  };
}

export const ringTimer = (settings: SessionSettings, callId: string, now: number) => ({
  key: ringTimerKey(settings.session, callId),
  kind: 'ringTimeout' as const,
  dueAt: now + settings.ringTimeout,
  callId,
});
