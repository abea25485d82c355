import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/domain/decide.js';
import { emptyCaller } from '../../../src/domain/decision.js';
import { callerLanguage } from '../../../src/domain/language.js';
import { keywordForm, optOutKeyword } from '../../../src/domain/optOut.js';
import type { ActionSpec, CallEvent, SessionSettings } from '../../../src/domain/types.js';
import { pickVariant } from '../../../src/domain/variants.js';
import { variantId } from '../../../src/config/texts.js';
import { aCall, aRing as ring } from '../../helpers/calls.js';
import { decisionState, testSettings } from '../../helpers/settings.js';
import { oneText } from '../../helpers/texts.js';

const T = Date.UTC(2027, 0, 4, 10, 0); // a Monday, 11:00 in Madrid
const say = (text: string, messageId = 'm1'): CallEvent => ({
  type: 'message.received',
  messageId,
  caller: '15550000111@c.us',
  text,
});
const state = decisionState;
const texts = (actions: ActionSpec[]) =>
  actions.flatMap((a) => (a.kind === 'alert' || a.kind === 'rejectCall' ? [] : [`${a.kind}: ${a.payload.template}`]));
const variants = (...weights: number[]) =>
  weights.map((weight, i) => ({ text: `v${i}`, weight, id: variantId(`v${i}`) }));

describe('weighted variants', () => {
  it('over 2,000 calls, each variant is picked within 3 points of its weight', () => {
    const vs = variants(1, 3, 6);
    const counts = [0, 0, 0];
    for (let i = 0; i < 2000; i++) counts[pickVariant(vs, `call-${i}`)]!++;
    expect(Math.abs(counts[0]! / 2000 - 0.1)).toBeLessThan(0.03);
    expect(Math.abs(counts[1]! / 2000 - 0.3)).toBeLessThan(0.03);
    expect(Math.abs(counts[2]! / 2000 - 0.6)).toBeLessThan(0.03);
  });

  it('the same call always gets the same variant, and the call records which', () => {
    const s = testSettings({ redirect: { ...testSettings().redirect, voice: { '*': variants(1, 1, 1) } } });
    const first = decide(ring({ callId: 'abc' }), state(), s, T);
    const again = decide(ring({ callId: 'abc' }), state(), s, T);
    expect(first.call?.variant).toEqual(again.call?.variant);
    expect(first.call).toMatchObject({
      template: 'voice',
      variant: { id: variantId(`v${first.call!.variant!.index}`) },
    });
  });
});

describe('languages', () => {
  const languages = { default: 'en', byCountry: { '1': 'en', '34': 'es', '351': 'pt', '1787': 'es' } };

  it("the longest calling code of the caller's number wins, else the default", () => {
    expect(callerLanguage(languages, '34600000001@c.us')).toBe('es');
    expect(callerLanguage(languages, '351910000001@c.us')).toBe('pt');
    expect(callerLanguage(languages, '17875550001@c.us')).toBe('es');
    expect(callerLanguage(languages, '15550000001@c.us')).toBe('en');
    expect(callerLanguage(languages, '4915110000001@c.us')).toBe('en');
    expect(callerLanguage(languages, '123456789@lid')).toBe('en');
  });

  it("a text by language goes in the caller's language, a missing one in the default", () => {
    const redirect = { ...testSettings().redirect, voice: { en: oneText('Hi')['*']!, es: oneText('Hola')['*']! } };
    const s = testSettings({ redirect, languages: { default: 'en', byCountry: { '34': 'es', '55': 'pt' } } });
    expect(texts(decide(ring({ caller: '34600000001@c.us' }), state(), s, T).actions)).toEqual(['sendRedirect: Hola']);
    expect(texts(decide(ring({ caller: '5511900000001@c.us' }), state(), s, T).actions)).toEqual(['sendRedirect: Hi']);
  });
});

describe('opt-out keywords', () => {
  const s = testSettings().optOut;

  it('match the whole message, in any case, with or without accents and punctuation', () => {
    for (const text of ['STOP', 'stop', ' Stop. ', 'Stóp!', 'baja', 'BÁJA'])
      expect(optOutKeyword(text, s)).toBe('stop');
    expect(optOutKeyword('start', s)).toBe('start');
    for (const text of ['stop calling me please', 'I want to stop my order', 'top'])
      expect(optOutKeyword(text, s)).toBeNull();
    expect(keywordForm('Arrêt')).toBe('ARRET');
  });

  it('STOP is confirmed once, cancels the follow-up, and the caller gets no welcome', () => {
    const settings = testSettings({ welcome: { ...testSettings().welcome, enabled: true } });
    const call = aCall({ session: 's1', redirectedAt: T - 60_000 });
    const d = decide(say('STOP'), state({ call }), settings, T);
    expect(texts(d.actions)).toEqual(['sendOptOut: opted out']);
    expect(d.optOut).toEqual({ at: T });
    expect(d.cancelTimers).toEqual(['followUp:s1:c1']);
    expect(d.call).toBeNull(); // "STOP" converts nothing
    const again = decide(say('STOP', 'm2'), state({ optedOut: { at: T } }), settings, T + 1000);
    expect(texts(again.actions)).toEqual([]);
    expect(again.optOut).toBeNull();
  });

  it('an opted-out caller gets no redirect (skipped:opted_out) and no welcome, but VIP alerts still fire', () => {
    const d = decide(
      ring({ caller: '15550000999@c.us' }),
      state({ optedOut: { at: T } }),
      testSettings({ vip: { numbers: new Set(['15550000999@c.us']), names: {}, bypassRedirect: false } }),
      T,
    );
    expect(d.call?.redirectSkipped).toBe('opted_out');
    expect(texts(d.actions)).toEqual([]);
    expect(d.actions.some((a) => a.kind === 'alert' && a.payload.type === 'call.vip')).toBe(true);
    expect(texts(decide(say('hello'), state({ optedOut: { at: T } }), testSettings(), T).actions)).toEqual([]);
  });

  it('START resumes an opted-out caller once; from anyone else it is an ordinary message', () => {
    const d = decide(say('Start'), state({ optedOut: { at: T - 1000 } }), testSettings(), T);
    expect(d.optOut).toBe('clear');
    expect(texts(d.actions)).toEqual(['sendOptOut: resumed']);
    expect(texts(decide(say('Start'), state(), testSettings(), T).actions)).toEqual(['sendWelcome: welcome {{name}}']);
  });
});

describe('the reply', () => {
  it('converts the redirected call, which keeps its first 1,000 characters', () => {
    const call = aCall({ session: 's1', redirectedAt: T - 60_000 });
    const long = 'x'.repeat(5000);
    expect(decide(say(long), state({ call }), testSettings(), T).call).toMatchObject({
      convertedAt: T,
      reply: 'x'.repeat(1000),
    });
  });
});

describe('the follow-up', () => {
  const on = (over: Partial<SessionSettings['followUp']> = {}) =>
    testSettings({ followUp: { ...testSettings().followUp, enabled: true, ...over } });
  const due: CallEvent = { type: 'followUp.due', callId: 'c1' };
  const redirected = aCall({ session: 's1', redirectedAt: T - 7_200_000, name: 'Ana' });

  it('is armed with the redirect, and replaces the one of the caller’s previous call', () => {
    const d = decide(
      ring({ callId: 'c2' }),
      state({ caller: { ...emptyCaller, lastRedirectedCallId: 'c1' } }),
      on(),
      T,
    );
    expect(d.timers).toContainEqual({ key: 'followUp:s1:c2', kind: 'followUp', dueAt: T + 7_200_000, callId: 'c2' });
    expect(d.cancelTimers).toEqual(['followUp:s1:c1']);
  });

  it('sends its text once per call, by the name the call knows', () => {
    const d = decide(due, state({ call: redirected }), on(), T);
    expect(d.actions).toEqual([
      {
        kind: 'sendFollowUp',
        key: 'followUp:s1:c1',
        expiresAt: T + 120_000,
        payload: { chatId: '15550000111@c.us', template: 'follow-up {{name}}', name: 'Ana' },
      },
    ]);
  });

  it('is not sent when the redirect never arrived, the caller wrote, or opted out', () => {
    expect(decide(due, state({ call: { ...redirected, redirectedAt: null } }), on(), T).actions).toEqual([]);
    expect(decide(due, state({ call: { ...redirected, convertedAt: T - 1 } }), on(), T).actions).toEqual([]);
    expect(decide(due, state({ call: redirected, optedOut: { at: T } }), on(), T).actions).toEqual([]);
  });

  it('after hours: wait holds it until the opening, skip drops it, send ignores the hours', () => {
    const hours = { timezone: 'Europe/Madrid', weekly: { tue: [{ from: 540, to: 1140 }] }, holidays: [] };
    const wait = decide(due, state({ call: redirected }), { ...on({ whenClosed: 'wait' }), hours }, T);
    expect(wait.actions).toEqual([]);
    expect(wait.timers).toEqual([
      { key: 'followUp:s1:c1', kind: 'followUp', dueAt: Date.UTC(2027, 0, 5, 8, 0), callId: 'c1' },
    ]);
    expect(decide(due, state({ call: redirected }), { ...on({ whenClosed: 'skip' }), hours }, T)).toMatchObject({
      actions: [],
      timers: [],
    });
    expect(
      texts(decide(due, state({ call: redirected }), { ...on({ whenClosed: 'send' }), hours }, T).actions),
    ).toEqual(['sendFollowUp: follow-up {{name}}']);
  });
});

describe('group calls', () => {
  const group = ring({ caller: '120363000000000001@g.us', isGroup: true });
  const as = (action: SessionSettings['groupCalls']['action']) => testSettings({ groupCalls: { action } });

  it('ignore: recorded, nothing sent', () => {
    const d = decide(group, state(), as('ignore'), T);
    expect(d.call?.redirectSkipped).toBe('group');
    expect(texts(d.actions)).toEqual([]);
  });

  it('alert: agents get call.group, the group gets no text', () => {
    const d = decide(group, state(), as('alert'), T);
    expect(d.actions.filter((a) => a.kind === 'alert').map((a) => a.kind === 'alert' && a.payload.type)).toContain(
      'call.group',
    );
    expect(texts(d.actions)).toEqual([]);
  });

  it('redirect: one text to the group per call, debounced per group', () => {
    const d = decide(group, state(), as('redirect'), T);
    expect(texts(d.actions)).toEqual(['sendRedirect: group']);
    expect(d.call).toMatchObject({ template: 'group', redirectSkipped: null });
    const soon = decide({ ...group, callId: 'c2' }, state({ caller: d.caller }), as('redirect'), T + 60_000);
    expect(soon.call?.redirectSkipped).toBe('debounced');
    expect(texts(soon.actions)).toEqual([]);
  });
});
