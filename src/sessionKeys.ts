/**
 * Session keys of the config: a name, or a pattern with one `*` standing for every other session of
 * its gateway (`shop-*`). Shared by the config's checks and by `Sessions`, which resolves ids with them.
 */

/** A `*` key split at its star: a session's id is prefix + its name + suffix. */
export interface SessionPattern {
  prefix: string;
  suffix: string;
}

/** Names a `*` entry takes on: as gateways name sessions, and safe in an id, a URL and a log line. */
const SESSION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function isSessionName(name: string): boolean {
  return SESSION_NAME.test(name);
}

/** The id pattern of a session key with a `*` in it, or null for a key that names one session. */
export function sessionPattern(key: string): SessionPattern | null {
  const star = key.indexOf('*');
  return star < 0 ? null : { prefix: key.slice(0, star), suffix: key.slice(star + 1) };
}

/** The name a pattern gives the id `id`, or null when the id is not one of its. */
export function nameInPattern(p: SessionPattern, id: string): string | null {
  if (id.length <= p.prefix.length + p.suffix.length || !id.startsWith(p.prefix) || !id.endsWith(p.suffix)) return null;
  const name = id.slice(p.prefix.length, id.length - p.suffix.length);
  return isSessionName(name) ? name : null;
}
