import { phoneOf } from '../domain/jid.js';

/** A VIP as `/api/sessions/:session/vips` shows them: from the config file, or added through the API. */
export const vipView = (caller: string, name: string | null, source: 'config' | 'api') => ({
  number: phoneOf(caller),
  caller,
  name,
  source,
});

/** A session's VIPs: the config file's, then those added through the API that the config does not list. */
export const sessionVips = (configured: ReadonlySet<string>, added: Array<{ caller: string; name: string | null }>) => [
  ...[...configured].map((c) => vipView(c, null, 'config')),
  ...added.filter((v) => !configured.has(v.caller)).map((v) => vipView(v.caller, v.name, 'api')),
];
