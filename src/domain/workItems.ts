import { escalationPending } from './escalation.js';
import type { Call, CallerState, CallEvent, Decision } from './types.js';

/** Why a caller is in the agents' queue, lowest priority first. */
export const WORK_ITEM_KINDS = ['missed', 'vip', 'p1'] as const;
export type WorkItemKind = (typeof WORK_ITEM_KINDS)[number];

/** How an agent closes an item (a reply typed on the business's phone closes it as `replied`). */
export const RESOLUTIONS = ['replied', 'called_back', 'no_action'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];
/** How an item closes itself when a call of the caller's was answered: someone spoke to them. */
export const AUTO = 'auto';

/** Who a claim or close by the admin's token (`api.token`) is recorded as. */
export const ADMIN = 'admin';

/** Higher is more urgent: a join keeps the highest of the item's kinds. */
export const priorityOf = (kind: WorkItemKind): number => WORK_ITEM_KINDS.indexOf(kind) + 1;
export const kindOf = (priority: number): WorkItemKind => WORK_ITEM_KINDS[priority - 1] ?? 'missed';

/** What an event does to the caller's work item, if anything. */
export type WorkItemChange =
  /** Opens an item for the caller, or joins the open one (raising its priority to `kind`'s if higher). */
  | { type: 'open'; caller: string; kind: WorkItemKind; callId: string | null; message: string | null }
  /** The caller wrote: their open item, if any, shows it. */
  | { type: 'message'; caller: string; text: string }
  /** A person at the business wrote to the caller (`replied`), or answered a call of theirs (`auto`): their open item is done. */
  | { type: 'done'; caller: string; resolution: Resolution | typeof AUTO };

/** A call someone can be called back on: a person's, not a group's or the business's own. */
const personOf = (call: Call): string | null => (call.isGroup || call.fromMe ? null : call.caller);

/**
 * The work item change an event makes, read from the decision taken on it: a call that became
 * missed, a new ring decided VIP, a text that used up an escalation (P1, as `decide` tells it), a
 * caller's text, or a reply typed on the business's phone. Pure.
 */
export function workItemChange(
  event: CallEvent,
  before: { call: Call | null; caller: CallerState | null },
  decision: Decision,
  now: number,
): WorkItemChange | null {
  switch (event.type) {
    case 'message.received':
      // The same test decide() makes before it raises chat.escalated.
      if (before.caller && escalationPending(before.caller, now))
        return { type: 'open', caller: event.caller, kind: 'p1', callId: null, message: event.text };
      return { type: 'message', caller: event.caller, text: event.text };
    case 'message.sent':
      return event.byPerson ? { type: 'done', caller: event.caller, resolution: 'replied' } : null;
    default: {
      const call = decision.call;
      const person = call && personOf(call);
      if (!call || !person) return null;
      if (call.status === 'answered' && before.call?.status !== 'answered')
        return { type: 'done', caller: person, resolution: AUTO };
      if (call.status === 'missed' && before.call?.status !== 'missed')
        return { type: 'open', caller: person, kind: 'missed', callId: call.callId, message: null };
      if (event.type === 'call.ringing' && before.call === null && call.isVip)
        return { type: 'open', caller: person, kind: 'vip', callId: call.callId, message: null };
      return null;
    }
  }
}
