import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../lib/clock.js';

export interface Refusal {
  /** A configured gateway's name, or `unknown`: never a name taken from the URL as it came. */
  gateway: string;
  /** The error code of the answer (`bad_signature`, `too_deep`, ...): a fixed set. */
  reason: string;
  status: number;
  requestId: string;
}

/**
 * Says each refused webhook at `warn`, with its gateway, reason and request id and never its body or
 * a header value; at most one line per reason per `every` ms, the next line counting the ones held
 * back, so a flood of junk cannot flood the log. Reasons come from the error catalog, so the map of
 * them stays small.
 */
export function createRefusalLog(log: FastifyBaseLogger, clock: Clock, every = 10_000): (r: Refusal) => void {
  const last = new Map<string, { at: number; held: number }>();
  return (r) => {
    const now = clock.now();
    const seen = last.get(r.reason);
    if (seen && now - seen.at < every) {
      seen.held++;
      return;
    }
    const held = seen?.held ?? 0;
    last.set(r.reason, { at: now, held: 0 });
    const more = held > 0 ? `; ${held} more refused for this reason since the last line` : '';
    log.warn(
      { gateway: r.gateway, reason: r.reason, status: r.status, reqId: r.requestId, held },
      `webhook refused for gateway ${r.gateway}: ${r.status} ${r.reason}${more}`,
    );
  };
}
