import type { SessionSettings } from './types.js';

/** Where a caller's VIP standing may come from, besides the session's list in the config file. */
export interface VipSources {
  /** Added at run time through the API (the `vips` table). */
  added: boolean;
  /** The CRM says so; known only when it was asked, on a new ring. */
  crm?: boolean;
}

/** A VIP: on the session's list in the config, added through the API, or named one by the CRM. */
export const isVip = (
  settings: { vip: Pick<SessionSettings['vip'], 'numbers'> },
  caller: string,
  from: VipSources,
): boolean => settings.vip.numbers.has(caller) || from.added || from.crm === true;
