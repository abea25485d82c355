import { BlockList, isIP } from 'node:net';
import { nameInPattern, sessionPattern } from '../sessionKeys.js';
import { isMapping } from './fields.js';
import type { Config, GatewayConfig } from './schema.js';

/**
 * Cross-references that the schema cannot express. Runs on the raw input, so these problems are
 * reported together with the schema's instead of only after those are fixed.
 */
export function checkSessions(input: Record<string, unknown>): string[] {
  const { gateways, sessions } = input;
  if (!isMapping(gateways) || !isMapping(sessions)) return [];
  const configured = Object.keys(gateways).join(', ') || '(none)';
  const problems: string[] = [];
  // Two sessions with the same gateway and name would both claim the same webhooks.
  const claimed = new Map<string, string>();
  for (const [key, s] of Object.entries(sessions)) {
    if (!isMapping(s) || typeof s.gateway !== 'string') continue;
    if (!Object.hasOwn(gateways, s.gateway)) {
      problems.push(`sessions.${key}.gateway: unknown gateway "${s.gateway}"; configured: ${configured}`);
    } else if (
      isMapping(gateways[s.gateway]) &&
      (gateways[s.gateway] as Record<string, unknown>).type === 'evolution' &&
      [true, 'true'].includes(s.rejectCalls as never)
    ) {
      problems.push(
        `sessions.${key}.rejectCalls: Evolution API cannot reject calls; use the instance setting rejectCall instead`,
      );
    }
    const pattern = sessionPattern(key);
    if (pattern && s.name !== undefined && s.name !== '*') {
      problems.push(`sessions.${key}.name: a "*" key stands for every other session of its gateway; leave out name`);
      continue;
    }
    if (!pattern && typeof s.name === 'string' && s.name.includes('*')) {
      problems.push(
        `sessions.${key}.name: for every other session of the gateway, put the "*" in the key, where the session's name goes in its id (like "*" or "shop-*")`,
      );
      continue;
    }
    const sessionName = pattern ? '*' : typeof s.name === 'string' ? s.name : key;
    const id = JSON.stringify([s.gateway, sessionName]);
    const other = claimed.get(id);
    if (other === undefined) claimed.set(id, key);
    else if (pattern)
      problems.push(`sessions.${key}: gateway "${s.gateway}" already has a "*" session, sessions.${other}`);
    else
      problems.push(
        `sessions.${key}.name: session "${sessionName}" of gateway "${s.gateway}" is already sessions.${other}`,
      );
  }
  return [...problems, ...sessionIdClashes(sessions)];
}

/**
 * Ids that two sessions could share: a named session whose key a `*` key would also give another
 * session, or two `*` keys that could give the same id. Sessions sharing an id would share callers,
 * counters and debounce windows.
 */
function sessionIdClashes(sessions: Record<string, unknown>): string[] {
  const entries = Object.entries(sessions).flatMap(([key, s]) =>
    isMapping(s) && typeof s.gateway === 'string'
      ? [{ key, gateway: s.gateway, name: typeof s.name === 'string' ? s.name : key, pattern: sessionPattern(key) }]
      : [],
  );
  const problems: string[] = [];
  for (const [i, p] of entries.entries()) {
    if (!p.pattern) continue;
    for (const [j, e] of entries.entries()) {
      if (j === i) continue;
      if (e.pattern) {
        // Two patterns meet when one prefix starts the other and one suffix ends the other.
        const a = p.pattern;
        const b = e.pattern;
        const meet =
          (a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix)) &&
          (a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix));
        if (meet && j > i)
          problems.push(
            `sessions.${e.key}: its sessions could get the same ids as those of sessions.${p.key}; give the keys different text around the "*"`,
          );
        continue;
      }
      const name = nameInPattern(p.pattern, e.key);
      if (name !== null && !(e.gateway === p.gateway && e.name === name)) {
        problems.push(
          `sessions.${e.key}: sessions.${p.key} would give session "${name}" of gateway "${p.gateway}" this same id; rename one of them`,
        );
      }
    }
  }
  return problems;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Only this machine can connect: 127.0.0.0/8, ::1 (in any spelling, IPv4-mapped too) or localhost. */
export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 6 ? 'ipv6' : 'ipv4');
}

/** The key that proves a webhook came from the gateway, by what each type can sign with. */
function signingKey(g: GatewayConfig): { key: string; set: boolean } {
  return g.type === 'evolution' ? { key: 'jwtKey', set: !!g.jwtKey } : { key: 'hmacKey', set: !!g.hmacKey };
}

/**
 * Off loopback, anyone who can reach callbridge could post made-up calls (and have it message
 * their victims) or read every caller: refuse to serve until each gateway authenticates its
 * webhooks and the API has a token, unless `insecure: true` says that is intended.
 */
export function checkExposure(config: Config): string[] {
  const { host } = config.http;
  if (config.insecure || isLoopback(host)) return [];
  const problems: string[] = [];
  for (const [name, g] of Object.entries(config.gateways)) {
    const signing = signingKey(g);
    if (signing.set || g.webhookToken) continue;
    problems.push(
      `gateways.${name}: set ${signing.key} or webhookToken so only your gateway can post webhooks (or insecure: true to accept unsigned webhooks on ${host})`,
    );
  }
  if (!config.api.token) {
    problems.push(
      `api.token: set a token of at least 16 characters so only you can read calls and callers (or insecure: true to serve the API without one on ${host})`,
    );
  }
  return problems;
}
