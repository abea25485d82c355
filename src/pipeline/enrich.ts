import type { CrmProfileSource } from '../crm/profiles.js';
import { normaliseChatId } from '../domain/jid.js';
import type { CallEvent } from '../domain/types.js';
import type { GatewayClient } from '../gateways/types.js';
import { BudgetCache } from '../lib/budgetCache.js';
import type { Clock } from '../lib/clock.js';
import type { IncomingEvent } from './recordCallEvent.js';

export interface EnrichDeps {
  /** Per callbridge session: its gateway client, the gateway's session name, the lookup budget. */
  targets: {
    get(session: string): { client: GatewayClient; sessionName: string; contactLookup: { budget: number } } | undefined;
  };
  profiles: CrmProfileSource | null;
  clock: Clock;
}

/**
 * What is learned about a caller before the transaction, each within its budget: the phone number
 * behind a `@lid` caller (so VIP lists, the frustration count and the CRM see one person, not two),
 * then what the CRM says. A slow answer costs the knowledge, never the event.
 */
export function createEnricher(deps: EnrichDeps): (e: IncomingEvent) => Promise<IncomingEvent> {
  const lids = new BudgetCache<string>(deps.clock, 24 * 3_600_000);
  return async (e) => {
    const ev = e.event;
    if (!e.session || !ev || (ev.type !== 'call.ringing' && ev.type !== 'message.received')) return e;
    const caller = ev.caller;
    if (!caller) return e;
    const target = deps.targets.get(e.session.session);
    let event: CallEvent = ev;
    const resolveLid = target?.client.resolveLid?.bind(target.client);
    if (caller.endsWith('@lid') && target && resolveLid) {
      const pn = await lids.get(
        `${e.session.session}\u0000${caller}`,
        (signal) => resolveLid(target.sessionName, caller, signal),
        target.contactLookup.budget,
      );
      if (pn) event = { ...ev, caller: normaliseChatId(pn) };
    }
    const person =
      event.type === 'call.ringing' && event.caller && !event.fromMe && !event.isGroup ? event.caller : null;
    const profile = person && deps.profiles ? await deps.profiles.get(e.session.session, person) : null;
    return { ...e, event, profile };
  };
}
