import { describe, expect, it } from 'vitest';
import { decide, ringTimerKey } from '../../src/domain/decide.js';
import type { Call, CallEvent, SessionSettings } from '../../src/domain/types.js';

const settings: SessionSettings = {
  session: 's1',
  ringTimeout: 60_000,
  rejectCalls: false,
  redirect: { enabled: true, debounce: 120_000, expireAfter: 120_000, voice: 'voice {{name}}', video: 'video {{name}}' },
};
const T = 1_700_000_000_000;
const ring = (over: Partial<Extract<CallEvent, { type: 'call.ringing' }>> = {}): CallEvent => ({
  type: 'call.ringing',
  callId: 'c1',
  caller: '111@c.us',
  isVideo: false,
  isGroup: false,
  fromMe: false,
  ...over,
});
const ringing: Call = {
  session: 's1',
  callId: 'c1',
  caller: '111@c.us',
  isVideo: false,
  isGroup: false,
  fromMe: false,
  status: 'ringing',
  receivedAt: T,
  endedAt: null,
  redirectSkipped: null,
};
const fresh = { call: null, caller: null };

describe('decide: a new ring', () => {
  it('opens the call, arms the ring timeout and redirects with the voice template', () => {
    const d = decide(ring(), fresh, settings, T);
    expect(d.call).toMatchObject({ status: 'ringing', receivedAt: T, redirectSkipped: null });
    expect(d.timers).toEqual([{ key: ringTimerKey('s1', 'c1'), kind: 'ringTimeout', dueAt: T + 60_000, callId: 'c1' }]);
    expect(d.actions).toEqual([
      { kind: 'sendRedirect', key: 'redirect:s1:c1', expiresAt: T + 120_000, payload: { chatId: '111@c.us', template: 'voice {{name}}', isVideo: false } },
    ]);
    expect(d.caller).toEqual({ lastRedirectAt: T });
  });

  it('picks the video template for a video call', () => {
    const d = decide(ring({ isVideo: true }), fresh, settings, T);
    expect(d.actions[0]!.payload).toMatchObject({ template: 'video {{name}}', isVideo: true });
  });

  it('debounces within the window and not after it', () => {
    const inside = decide(ring(), { call: null, caller: { lastRedirectAt: T - 119_999 } }, settings, T);
    expect(inside.actions).toEqual([]);
    expect(inside.call!.redirectSkipped).toBe('debounced');
    expect(inside.caller).toBeNull();
    const after = decide(ring(), { call: null, caller: { lastRedirectAt: T - 120_000 } }, settings, T);
    expect(after.actions).toHaveLength(1);
  });

  it.each([
    ['group', ring({ isGroup: true }), settings],
    ['from_me', ring({ fromMe: true }), settings],
    ['no_caller', ring({ caller: null }), settings],
    ['disabled', ring(), { ...settings, redirect: { ...settings.redirect, enabled: false } }],
  ] as const)('records but does not redirect: %s', (reason, event, s) => {
    const d = decide(event, fresh, s, T);
    expect(d.call!.redirectSkipped).toBe(reason);
    expect(d.actions.filter((a) => a.kind === 'sendRedirect')).toEqual([]);
    expect(d.timers).toHaveLength(1);
  });

  it('also rejects the call when rejectCalls is on, expiring with the ring', () => {
    const d = decide(ring(), fresh, { ...settings, rejectCalls: true }, T);
    expect(d.actions.map((a) => [a.kind, a.expiresAt])).toEqual([
      ['sendRedirect', T + 120_000],
      ['rejectCall', T + 60_000],
    ]);
  });

  it('does nothing more for a repeated ring event of a known call', () => {
    const d = decide(ring(), { call: ringing, caller: { lastRedirectAt: T } }, settings, T + 5000);
    expect(d).toMatchObject({ call: null, actions: [], timers: [] });
  });

  it('fills in the caller when the first event lacked it', () => {
    const d = decide(ring({ isVideo: true }), { call: { ...ringing, caller: null }, caller: null }, settings, T);
    expect(d.call).toMatchObject({ caller: '111@c.us', isVideo: true, status: 'ringing' });
    expect(d.actions).toEqual([]);
  });
});

describe('decide: the end of a call', () => {
  it('answered and rejected close a ringing call and cancel its timer', () => {
    for (const [type, status] of [
      ['call.answered', 'answered'],
      ['call.rejected', 'rejected'],
    ] as const) {
      const d = decide({ type, callId: 'c1', caller: null }, { call: ringing, caller: null }, settings, T + 3000);
      expect(d.call).toMatchObject({ status, endedAt: T + 3000 });
      expect(d.cancelTimers).toEqual([ringTimerKey('s1', 'c1')]);
      expect(d.actions).toEqual([]);
    }
  });

  it('the ring timeout makes a ringing call missed, and nothing else', () => {
    const d = decide({ type: 'call.timeout', callId: 'c1' }, { call: ringing, caller: null }, settings, T + 60_000);
    expect(d.call).toMatchObject({ status: 'missed', endedAt: T + 60_000 });
    for (const status of ['answered', 'rejected', 'missed'] as const) {
      const late = decide({ type: 'call.timeout', callId: 'c1' }, { call: { ...ringing, status }, caller: null }, settings, T);
      expect(late.call).toBeNull();
    }
    expect(decide({ type: 'call.timeout', callId: 'c1' }, fresh, settings, T).call).toBeNull();
  });

  it("the gateway's answer overrides a missed inferred from silence", () => {
    const d = decide({ type: 'call.answered', callId: 'c1', caller: null }, { call: { ...ringing, status: 'missed' }, caller: null }, settings, T);
    expect(d.call!.status).toBe('answered');
  });

  it('a closed call stays closed', () => {
    const d = decide({ type: 'call.rejected', callId: 'c1', caller: null }, { call: { ...ringing, status: 'answered' }, caller: null }, settings, T);
    expect(d.call).toBeNull();
  });

  it('a closing event for an unknown call records it as it ended', () => {
    const d = decide({ type: 'call.rejected', callId: 'c9', caller: '222@c.us' }, fresh, settings, T);
    expect(d.call).toMatchObject({ callId: 'c9', status: 'rejected', caller: '222@c.us', redirectSkipped: 'late', endedAt: T });
    expect(d.actions).toEqual([]);
  });
});
