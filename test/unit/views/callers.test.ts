import { describe, expect, it } from 'vitest';
import { emptyCaller } from '../../../src/domain/decision.js';
import type { CallerRow } from '../../../src/store/callers.js';
import { callerDetail, callerView } from '../../../src/views/callers.js';

const T = Date.parse('2026-12-01T09:00:00.000Z');
const s = {
  vip: { numbers: new Set(['15550000999@c.us']), bypassRedirect: true },
  frustration: { window: 600_000, elevated: 3, stressed: 5, escalateFor: 1_800_000 },
};
const row = (over: Partial<CallerRow> = {}): CallerRow => ({
  ...emptyCaller,
  version: 1,
  session: 'default',
  caller: '15550001111@c.us',
  lastCallAt: T - 1_000,
  ...over,
});

describe('the caller view', () => {
  it('reads the level from the calls in the window, and shows times as ISO', () => {
    expect(callerView(row({ name: 'John' }), s, { callsInWindow: 5, addedVip: false }, T)).toEqual({
      session: 'default',
      caller: '15550001111@c.us',
      number: '15550001111',
      name: 'John',
      level: 'stressed',
      callsInWindow: 5,
      lastCallAt: '2026-12-01T08:59:59.000Z',
      lastRedirectAt: null,
      vip: false,
      escalation: { pending: false, until: null, lastStressedAt: null },
      welcomedAt: null,
    });
  });

  it('shows an escalation as pending until its end, that moment included', () => {
    const marked = row({ stressedAt: T - 60_000, escalateUntil: T });
    expect(callerView(marked, s, { callsInWindow: 5, addedVip: false }, T).escalation).toEqual({
      pending: true,
      until: '2026-12-01T09:00:00.000Z',
      lastStressedAt: '2026-12-01T08:59:00.000Z',
    });
    expect(callerView(marked, s, { callsInWindow: 5, addedVip: false }, T + 1).escalation).toMatchObject({
      pending: false,
      until: null,
    });
  });

  it('marks VIPs of the config file and of the API alike', () => {
    expect(callerView(row({ caller: '15550000999@c.us' }), s, { callsInWindow: 1, addedVip: false }, T).vip).toBe(true);
    expect(callerView(row(), s, { callsInWindow: 1, addedVip: true }, T).vip).toBe(true);
  });

  it("in the caller's detail, adds the VIP's name, the conversions and the opt-out", () => {
    const detail = callerDetail(
      row(),
      s,
      {
        callsInWindow: 1,
        vip: { name: 'Dana' },
        conversions: [{ id: 4, callId: 'c4', receivedAt: T, redirectedAt: T + 1_000, convertedAt: T + 31_000 }],
        optedOut: { at: T },
      },
      T,
    );
    expect(detail).toMatchObject({
      vip: true,
      vipName: 'Dana',
      conversions: [{ callId: 'c4', seconds: 30 }],
      optedOut: { at: new Date(T).toISOString() },
    });
  });
});
