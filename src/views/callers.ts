import { escalationPending } from '../domain/escalation.js';
import { frustrationLevel } from '../domain/frustration.js';
import { phoneOf } from '../domain/jid.js';
import type { SessionSettings } from '../domain/types.js';
import { isVip } from '../domain/vip.js';
import type { CallerRow } from '../store/callers.js';
import type { ConvertedCall } from '../store/calls.js';
import { conversionView } from './calls.js';
import { iso, isoOrNull } from './time.js';

/** What of the session's settings the view reads. */
type Rules = Pick<SessionSettings, 'frustration'> & { vip: Pick<SessionSettings['vip'], 'numbers'> };

/** What is known of a caller besides their row: their calls in the window, and whether the API made them a VIP. */
export interface CallerFacts {
  callsInWindow: number;
  addedVip: boolean;
}

/** What an agent wants to know about a caller: how agitated, how recently, whether a person is owed a reply. */
export function callerView(row: CallerRow, s: Rules, facts: CallerFacts, now: number) {
  const pending = escalationPending(row, now);
  return {
    session: row.session,
    caller: row.caller,
    number: phoneOf(row.caller),
    /** The name the last text to them was delivered with. */
    name: row.name,
    level: frustrationLevel(facts.callsInWindow, s.frustration),
    callsInWindow: facts.callsInWindow,
    lastCallAt: isoOrNull(row.lastCallAt),
    lastRedirectAt: isoOrNull(row.lastRedirectAt),
    vip: isVip(s, row.caller, { added: facts.addedVip }),
    escalation: {
      pending,
      until: pending ? isoOrNull(row.escalateUntil) : null,
      lastStressedAt: isoOrNull(row.stressedAt),
    },
    welcomedAt: isoOrNull(row.welcomedAt),
  };
}

/** `GET /api/callers/:session/:caller`: the caller's view, their VIP name, conversions and opt-out. */
export function callerDetail(
  row: CallerRow,
  s: Rules,
  facts: {
    callsInWindow: number;
    vip: { name: string | null } | null;
    conversions: ConvertedCall[];
    optedOut: { at: number } | null;
  },
  now: number,
) {
  return {
    ...callerView(row, s, { callsInWindow: facts.callsInWindow, addedVip: facts.vip !== null }, now),
    vipName: facts.vip?.name ?? null,
    /** Since when no automated text reaches them (they wrote an opt-out keyword). */
    optedOut: facts.optedOut && { at: iso(facts.optedOut.at) },
    conversions: facts.conversions.map(conversionView),
  };
}
