import type { Call, CallEvent } from '../../src/domain/types.js';
import type { NewEvent } from '../../src/store/events.js';

/** A new ring of a voice call `c1` from 15550000111@c.us, as a webhook is parsed into one. */
export const aRing = (
  over: Partial<Extract<CallEvent, { type: 'call.ringing' }>> = {},
): Extract<CallEvent, { type: 'call.ringing' }> => ({
  type: 'call.ringing',
  callId: 'c1',
  caller: '15550000111@c.us',
  isVideo: false,
  isGroup: false,
  fromMe: false,
  ...over,
});

/** A ringing voice call from 15550000111@c.us on session `default`, as the tests' starting point. */
export const aCall = (over: Partial<Call> = {}): Call => ({
  session: 'default',
  callId: 'c1',
  caller: '15550000111@c.us',
  isVideo: false,
  isGroup: false,
  fromMe: false,
  isVip: false,
  status: 'ringing',
  level: 'calm',
  receivedAt: 1_000,
  endedAt: null,
  redirectSkipped: null,
  redirectedAt: null,
  convertedAt: null,
  name: null,
  closed: false,
  language: 'en',
  template: null,
  variant: null,
  reply: null,
  ...over,
});

/** The stored row of a `call.received` webhook of call `c1` on `default`, by its event id. */
export const aStoredEvent = (eventId: string): NewEvent => ({
  gateway: 'local',
  eventId,
  session: 'default',
  type: 'call.received',
  callId: 'c1',
  outcome: 'processed',
  receivedAt: 1_000,
  body: '{}',
});
