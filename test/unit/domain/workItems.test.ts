import { describe, expect, it } from 'vitest';
import { decide, type DecisionState } from '../../../src/domain/decide.js';
import { emptyCaller } from '../../../src/domain/decision.js';
import type { Call, CallEvent } from '../../../src/domain/types.js';
import { kindOf, priorityOf, workItemChange } from '../../../src/domain/workItems.js';
import { aCall, aRing as ring } from '../../helpers/calls.js';
import { decisionState, testSettings } from '../../helpers/settings.js';

const settings = testSettings();
const T = 1_700_000_000_000;
const CALLER = '15550000111@c.us';
const state = decisionState;
/** What the event does to the queue, decided as the pipeline decides it. */
const change = (event: CallEvent, s: DecisionState = state(), now = T) =>
  workItemChange(event, s, decide(event, s, settings, now), now);
const ringing: Call = aCall({ session: 's1', receivedAt: T });

describe('work items: what opens one', () => {
  it('a call nobody answered, once: its ring timeout makes it missed', () => {
    const timeout: CallEvent = { type: 'call.timeout', callId: 'c1' };
    expect(change(timeout, state({ call: ringing }), T + 60_000)).toEqual({
      type: 'open',
      caller: CALLER,
      kind: 'missed',
      callId: 'c1',
      message: null,
    });
    // A timeout that finds the call ended already opens nothing.
    expect(change(timeout, state({ call: { ...ringing, status: 'answered' } }))).toBeNull();
  });

  it('a VIP ringing, as it rings; a plain ring, or a repeated VIP ring event, opens nothing', () => {
    expect(change(ring({ caller: '15550000999@c.us' }))).toMatchObject({ type: 'open', kind: 'vip', callId: 'c1' });
    expect(change(ring())).toBeNull();
    expect(change(ring(), state({ call: { ...ringing, isVip: true } }))).toBeNull();
  });

  it('no call of a group, or of the business itself, however it ends', () => {
    const timeout: CallEvent = { type: 'call.timeout', callId: 'c1' };
    expect(change(timeout, state({ call: { ...ringing, isGroup: true } }))).toBeNull();
    expect(change(timeout, state({ call: { ...ringing, fromMe: true } }))).toBeNull();
    expect(change(ring({ caller: '15550000999@c.us', fromMe: true }))).toBeNull();
  });

  it('a text from a caller marked for escalation is a P1 carrying the text; the mark used up, the next is not', () => {
    const text: CallEvent = { type: 'message.received', messageId: 'm1', caller: CALLER, text: 'hello??' };
    const marked = { ...emptyCaller, version: 1, escalateUntil: T + 1000 };
    expect(change(text, state({ caller: marked }))).toEqual({
      type: 'open',
      caller: CALLER,
      kind: 'p1',
      callId: null,
      message: 'hello??',
    });
    expect(change(text, state({ caller: marked }), T + 1001)).toEqual({
      type: 'message',
      caller: CALLER,
      text: 'hello??',
    });
  });
});

describe('work items: what closes one', () => {
  it('a message a person sent from the business phone; never one sent through the API', () => {
    const sent = (byPerson: boolean): CallEvent => ({ type: 'message.sent', messageId: 'm', caller: CALLER, byPerson });
    expect(change(sent(true))).toEqual({ type: 'done', caller: CALLER, resolution: 'replied' });
    expect(change(sent(false))).toBeNull();
  });

  it("a call of the caller's answered, even the missed one the gateway later says was answered: closed as auto", () => {
    const answered: CallEvent = { type: 'call.answered', callId: 'c1', caller: CALLER };
    const missed = aCall({ session: 's1', status: 'missed' });
    expect(change(answered, state({ call: missed }))).toEqual({ type: 'done', caller: CALLER, resolution: 'auto' });
    expect(change(answered, state({ call: { ...missed, status: 'answered' } }))).toBeNull();
  });
});

describe('work items: priority', () => {
  it('p1 over vip over missed, and the kind follows the priority', () => {
    expect(priorityOf('p1')).toBeGreaterThan(priorityOf('vip'));
    expect(priorityOf('vip')).toBeGreaterThan(priorityOf('missed'));
    for (const kind of ['missed', 'vip', 'p1'] as const) expect(kindOf(priorityOf(kind))).toBe(kind);
  });
});
