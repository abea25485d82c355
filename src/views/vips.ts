import { phoneOf } from '../domain/jid.js';

/** A VIP as `/api/sessions/:session/vips` shows them: from the config file, or added through the API. */
export const vipView = (caller: string, name: string | null, source: 'config' | 'api') => ({
  number: phoneOf(caller),
  caller,
  name,
  source,
});

/** A session's VIPs: the config file's, then those added through the API that the config does not list. */
export const sessionVips = (
  configured: { numbers: ReadonlySet<string>; names: Readonly<Record<string, string>> },
  added: Array<{ caller: string; name: string | null }>,
) => [
  ...[...configured.numbers].map((c) => vipView(c, configured.names[c] ?? null, 'config')),
  ...added.filter((v) => !configured.numbers.has(v.caller)).map((v) => vipView(v.caller, v.name, 'api')),
];
