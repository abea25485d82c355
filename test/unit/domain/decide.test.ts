import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/domain/decide.js';
import { emptyCaller, ringTimerKey } from '../../../src/domain/decision.js';
import type { ActionSpec, Call, CallEvent, CallerState } from '../../../src/domain/types.js';
import { aCall, aRing as ring } from '../../helpers/calls.js';
import { decisionState, testSettings } from '../../helpers/settings.js';

const settings = testSettings();
const T = 1_700_000_000_000;
const ringing: Call = aCall({ session: 's1', receivedAt: T });
const state = decisionState;
const caller = (over: Partial<CallerState>): CallerState => ({ ...emptyCaller, version: 1, ...over });
const kinds = (actions: ActionSpec[]) =>
  actions.map((a) => (a.kind === 'alert' ? `${a.payload.channel}:${a.payload.type}` : a.kind));
const textOf = (actions: ActionSpec[], kind: 'sendRedirect' | 'sendWelcome') => {
  const a = actions.find((x) => x.kind === kind);
  return a && (a.kind === 'sendRedirect' || a.kind === 'sendWelcome') ? a.payload.template : undefined;
};

describe('decide: a new ring', () => {
  it('opens the call, arms the ring timeout, tells the CRM and redirects with the voice template', () => {
    const d = decide(ring(), state(), settings, T);
    expect(d.call).toMatchObject({
      status: 'ringing',
      receivedAt: T,
      redirectSkipped: null,
      level: 'calm',
      isVip: false,
    });
    expect(d.timers).toEqual([{ key: ringTimerKey('s1', 'c1'), kind: 'ringTimeout', dueAt: T + 60_000, callId: 'c1' }]);
    expect(kinds(d.actions)).toEqual(['webhook:call.received', 'sendRedirect']);
    expect(d.actions[1]).toEqual({
      kind: 'sendRedirect',
      key: 'redirect:s1:c1',
      expiresAt: T + 120_000,
      payload: { chatId: '15550000111@c.us', template: 'voice {{name}}', name: null, isVideo: false },
    });
    expect(d.caller).toMatchObject({ lastRedirectAt: T, lastCallAt: T, lastRedirectedCallId: 'c1' });
  });

  it('picks the video template for a video call', () => {
    expect(textOf(decide(ring({ isVideo: true }), state(), settings, T).actions, 'sendRedirect')).toBe(
      'video {{name}}',
    );
  });

  it('debounces within the window and not after it', () => {
    const inside = decide(ring(), state({ caller: caller({ lastRedirectAt: T - 119_999 }) }), settings, T);
    expect(kinds(inside.actions)).toEqual(['webhook:call.received']);
    expect(inside.call!.redirectSkipped).toBe('debounced');
    expect(inside.caller).toMatchObject({ lastRedirectAt: T - 119_999, lastCallAt: T });
    const after = decide(ring(), state({ caller: caller({ lastRedirectAt: T - 120_000 }) }), settings, T);
    expect(kinds(after.actions)).toContain('sendRedirect');
  });

  it('uses the firmer repeat template for a caller redirected before', () => {
    const d = decide(
      ring({ isVideo: true }),
      state({ caller: caller({ lastRedirectAt: T - 3_600_000 }) }),
      settings,
      T,
    );
    expect(textOf(d.actions, 'sendRedirect')).toBe('repeat {{name}}');
    const longAgo = decide(ring(), state({ caller: caller({ lastRedirectAt: T - 2 * 86_400_000 }) }), settings, T);
    expect(textOf(longAgo.actions, 'sendRedirect')).toBe('voice {{name}}');
  });

  it('says a person has been told when the repeat caller is stressed', () => {
    const d = decide(ring(), state({ caller: caller({ lastRedirectAt: T - 200_000 }), recentCalls: 4 }), settings, T);
    expect(textOf(d.actions, 'sendRedirect')).toBe('stressed {{name}}');
  });

  it("says so while the caller's escalation is pending, to its last moment, by the rule messages escalate by", () => {
    const marked = (escalateUntil: number) => state({ caller: caller({ lastRedirectAt: T - 200_000, escalateUntil }) });
    expect(textOf(decide(ring(), marked(T), settings, T).actions, 'sendRedirect')).toBe('stressed {{name}}');
    expect(textOf(decide(ring(), marked(T - 1), settings, T).actions, 'sendRedirect')).toBe('repeat {{name}}');
    const text: CallEvent = { type: 'message.received', messageId: 'm1', caller: '15550000111@c.us', text: 'hi' };
    expect(kinds(decide(text, marked(T), settings, T).actions)).toContain('slack:chat.escalated');
  });

  it.each([
    ['group', ring({ isGroup: true }), settings],
    ['from_me', ring({ fromMe: true }), settings],
    ['no_caller', ring({ caller: null }), settings],
    ['disabled', ring(), { ...settings, redirect: { ...settings.redirect, enabled: false } }],
  ] as const)('records but does not redirect: %s', (reason, event, s) => {
    const d = decide(event, state(), s, T);
    expect(d.call!.redirectSkipped).toBe(reason);
    expect(kinds(d.actions)).not.toContain('sendRedirect');
    expect(d.timers).toHaveLength(1);
  });

  it('also rejects the call when rejectCalls is on, expiring with the ring', () => {
    const d = decide(ring(), state(), { ...settings, rejectCalls: true }, T);
    expect(d.actions.filter((a) => a.kind !== 'alert').map((a) => [a.kind, a.expiresAt])).toEqual([
      ['sendRedirect', T + 120_000],
      ['rejectCall', T + 60_000],
    ]);
  });

  it('does nothing more for a repeated ring event of a known call', () => {
    const d = decide(ring(), state({ call: ringing, caller: caller({ lastRedirectAt: T }) }), settings, T + 5000);
    expect(d).toMatchObject({ call: null, caller: null, actions: [], timers: [] });
  });

  it('fills in the caller when the first event lacked it', () => {
    const d = decide(ring({ isVideo: true }), state({ call: { ...ringing, caller: null } }), settings, T);
    expect(d.call).toMatchObject({ caller: '15550000111@c.us', isVideo: true, status: 'ringing' });
    expect(d.actions).toEqual([]);
  });
});

describe('decide: VIPs', () => {
  it('a VIP from the config skips the bot and alerts Slack and the CRM at once', () => {
    const d = decide(ring({ caller: '15550000999@c.us' }), state(), settings, T);
    expect(d.call).toMatchObject({ isVip: true, redirectSkipped: 'vip' });
    expect(kinds(d.actions)).toEqual(['webhook:call.received', 'slack:call.vip', 'webhook:call.vip']);
  });
  it('a VIP from the API or the CRM is a VIP, and lends the alert a name', () => {
    const fromApi = decide(ring(), state({ vip: { name: 'Dana' } }), settings, T);
    expect(fromApi.call!.isVip).toBe(true);
    const alert = fromApi.actions.find((a) => a.kind === 'alert' && a.payload.type === 'call.vip');
    expect(alert?.kind === 'alert' && alert.payload.data.name).toBe('Dana');
    const fromCrm = decide(
      ring(),
      state({ profile: { vip: true, name: 'Eve', tier: 'gold', tags: ['key-account'] } }),
      settings,
      T,
    );
    expect(fromCrm.call!.isVip).toBe(true);
    const crmAlert = fromCrm.actions.find((a) => a.kind === 'alert' && a.payload.type === 'call.vip');
    expect(crmAlert?.kind === 'alert' && crmAlert.payload.data.profile).toEqual({
      tier: 'gold',
      tags: ['key-account'],
    });
  });
  it('still redirects a VIP when bypassRedirect is off', () => {
    const d = decide(
      ring({ caller: '15550000999@c.us' }),
      state(),
      { ...settings, vip: { ...settings.vip, bypassRedirect: false } },
      T,
    );
    expect(kinds(d.actions)).toContain('sendRedirect');
    expect(kinds(d.actions)).toContain('slack:call.vip');
  });
  it('greets by the CRM name', () => {
    const d = decide(ring(), state({ profile: { name: 'John' } }), settings, T);
    const redirect = d.actions.find((a) => a.kind === 'sendRedirect');
    expect(redirect?.kind === 'sendRedirect' && redirect.payload.name).toBe('John');
  });
});

describe('decide: the frustration quotient', () => {
  it('levels: calm, elevated at 3 calls, stressed at 5', () => {
    expect(decide(ring(), state({ recentCalls: 1 }), settings, T).call!.level).toBe('calm');
    expect(decide(ring(), state({ recentCalls: 2 }), settings, T).call!.level).toBe('elevated');
    expect(decide(ring(), state({ recentCalls: 4 }), settings, T).call!.level).toBe('stressed');
  });
  it('the fifth call raises caller.stressed once and marks the caller for escalation', () => {
    const d = decide(ring(), state({ recentCalls: 4, caller: caller({ lastRedirectAt: T - 1000 }) }), settings, T);
    expect(kinds(d.actions)).toEqual(['webhook:call.received', 'slack:caller.stressed', 'webhook:caller.stressed']);
    expect(d.caller).toMatchObject({ stressedAt: T, escalateUntil: T + 1_800_000 });
    const sixth = decide(
      ring(),
      state({ recentCalls: 5, caller: caller({ lastRedirectAt: T - 1000, stressedAt: T - 1000 }) }),
      settings,
      T,
    );
    expect(kinds(sixth.actions)).toEqual(['webhook:call.received']);
  });
  it('raises it again in a later window', () => {
    const d = decide(ring(), state({ recentCalls: 4, caller: caller({ stressedAt: T - 600_000 }) }), settings, T);
    expect(kinds(d.actions)).toContain('slack:caller.stressed');
  });
});

describe('decide: messages', () => {
  const msg = (text = 'help'): CallEvent => ({
    type: 'message.received',
    messageId: 'm1',
    caller: '15550000111@c.us',
    text,
  });
  it('escalates the next text of a marked caller once, with the text, as Priority 1', () => {
    const d = decide(
      msg('my order is broken'),
      state({ caller: caller({ escalateUntil: T + 1000, lastRedirectAt: T - 5000 }) }),
      settings,
      T,
    );
    expect(kinds(d.actions)).toEqual(['slack:chat.escalated', 'webhook:chat.escalated']);
    const alert = d.actions[0]!;
    expect(alert.kind === 'alert' && alert.payload.data).toMatchObject({
      priority: 'P1',
      message: { id: 'm1', text: 'my order is broken' },
    });
    expect(d.caller!.escalateUntil).toBeNull();
  });
  it('does not escalate after escalateFor has passed', () => {
    const d = decide(msg(), state({ caller: caller({ escalateUntil: T - 1, lastRedirectAt: T - 5000 }) }), settings, T);
    expect(kinds(d.actions)).toEqual([]);
  });
  it('records a conversion when a redirected caller writes within the window', () => {
    const call = { ...ringing, redirectedAt: T - 90_000 };
    const d = decide(msg(), state({ call, caller: caller({ lastRedirectAt: T - 90_000 }) }), settings, T);
    expect(d.call).toMatchObject({ callId: 'c1', convertedAt: T });
    const late = decide(
      msg(),
      state({ call: { ...call, redirectedAt: T - 1_800_001 }, caller: caller({ lastRedirectAt: T - 1_800_001 }) }),
      settings,
      T,
    );
    expect(late.call).toBeNull();
    const twice = decide(
      msg(),
      state({ call: { ...call, convertedAt: T - 10 }, caller: caller({ lastRedirectAt: T - 90_000 }) }),
      settings,
      T,
    );
    expect(twice.call).toBeNull();
  });
  it('welcomes a new chat once per period', () => {
    const first = decide(msg(), state(), settings, T);
    expect(textOf(first.actions, 'sendWelcome')).toBe('welcome {{name}}');
    expect(first.caller!.welcomedAt).toBe(T);
    const again = decide(msg(), state({ caller: caller({ welcomedAt: T - 86_400_000 }) }), settings, T);
    expect(again.actions).toEqual([]);
    const later = decide(msg(), state({ caller: caller({ welcomedAt: T - 31 * 86_400_000 }) }), settings, T);
    expect(textOf(later.actions, 'sendWelcome')).toBeDefined();
  });
  it('does not welcome a caller who was just told by the redirect', () => {
    const d = decide(msg(), state({ caller: caller({ lastRedirectAt: T - 60_000 }) }), settings, T);
    expect(textOf(d.actions, 'sendWelcome')).toBeUndefined();
  });
});

describe('decide: the end of a call', () => {
  it('answered and rejected close a ringing call, cancel its timer, and are told apart', () => {
    for (const [type, status] of [
      ['call.answered', 'answered'],
      ['call.rejected', 'rejected'],
    ] as const) {
      const d = decide({ type, callId: 'c1', caller: null }, state({ call: ringing }), settings, T + 3000);
      expect(d.call).toMatchObject({ status, endedAt: T + 3000 });
      expect(d.cancelTimers).toEqual([ringTimerKey('s1', 'c1')]);
      expect(kinds(d.actions)).toEqual([`webhook:call.${status}`]);
    }
  });

  it('the ring timeout makes a ringing call missed and alerts the agents', () => {
    const d = decide({ type: 'call.timeout', callId: 'c1' }, state({ call: ringing }), settings, T + 60_000);
    expect(d.call).toMatchObject({ status: 'missed', endedAt: T + 60_000 });
    expect(kinds(d.actions)).toEqual(['slack:call.missed', 'webhook:call.missed']);
    for (const status of ['answered', 'rejected', 'missed'] as const) {
      const late = decide({ type: 'call.timeout', callId: 'c1' }, state({ call: { ...ringing, status } }), settings, T);
      expect(late.call).toBeNull();
      expect(late.actions).toEqual([]);
    }
    expect(decide({ type: 'call.timeout', callId: 'c1' }, state(), settings, T).call).toBeNull();
  });

  it("the gateway's answer overrides a missed inferred from silence", () => {
    const d = decide(
      { type: 'call.answered', callId: 'c1', caller: null },
      state({ call: { ...ringing, status: 'missed' } }),
      settings,
      T,
    );
    expect(d.call!.status).toBe('answered');
  });

  it('a closed call stays closed', () => {
    const d = decide(
      { type: 'call.rejected', callId: 'c1', caller: null },
      state({ call: { ...ringing, status: 'answered' } }),
      settings,
      T,
    );
    expect(d.call).toBeNull();
  });

  it('a closing event for an unknown call records it as it ended', () => {
    const d = decide({ type: 'call.rejected', callId: 'c9', caller: '15550000222@c.us' }, state(), settings, T);
    expect(d.call).toMatchObject({
      callId: 'c9',
      status: 'rejected',
      caller: '15550000222@c.us',
      redirectSkipped: 'late',
      endedAt: T,
    });
    expect(kinds(d.actions)).toEqual(['webhook:call.rejected']);
  });

  it('a delivered redirect is recorded once and told to the CRM', () => {
    const d = decide({ type: 'redirect.sent', callId: 'c1' }, state({ call: ringing }), settings, T + 500);
    expect(d.call!.redirectedAt).toBe(T + 500);
    expect(kinds(d.actions)).toEqual(['webhook:call.redirected']);
    expect(
      decide({ type: 'redirect.sent', callId: 'c1' }, state({ call: { ...ringing, redirectedAt: T } }), settings, T)
        .call,
    ).toBeNull();
  });

  it('alert keys are stable per subject, so a decision made twice alerts once', () => {
    const a = decide({ type: 'call.timeout', callId: 'c1' }, state({ call: ringing }), settings, T + 60_000);
    const b = decide({ type: 'call.timeout', callId: 'c1' }, state({ call: ringing }), settings, T + 61_000);
    expect(a.actions.map((x) => x.key)).toEqual(b.actions.map((x) => x.key));
  });
});
