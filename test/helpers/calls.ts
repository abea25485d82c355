import type { Call } from '../../src/domain/types.js';

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
