import type { FastifyInstance } from 'fastify';
import type { Config } from './config/index.js';
import type { Clock } from './lib/clock.js';
import type { Sessions } from './sessions.js';
import { callReceived, signWaha, wawpCallReceived } from './sim/webhooks.js';

/** Marks the warm-up's webhooks; its value is a secret of this process (server.ts), so nobody else can send one. */
export const REHEARSAL_HEADER = 'x-callbridge-rehearsal';

/** Rehearsals in flight at once: enough to fill group commits as real load does. */
const CONCURRENCY = 32;

/**
 * Before /readyz says ready: `count` synthetic call webhooks go through the real route, verified,
 * parsed, decided and written in both threads (JIT-compiling that path, reading the database pages
 * it needs), each undone before its transaction commits (Pipeline.rehearse). Their callers are made
 * up; nothing is stored, dispatched or sent. The first session the config names on a WAHA or Wawp
 * gateway is used (those whose bodies callbridge can build); with none, there is nothing to warm.
 */
export async function warmUp(o: {
  app: FastifyInstance;
  config: Config;
  sessions: Sessions;
  clock: Clock;
  secret: string;
  count: number;
  stopping: () => boolean;
}): Promise<void> {
  const entry = o.sessions.named
    .map((id) => o.sessions.entry(id)!)
    .find((s) => ['waha', 'wawp'].includes(o.config.gateways[s.gateway]!.type));
  if (!entry) return;
  const gateway = o.config.gateways[entry.gateway]!;
  const token = 'webhookToken' in gateway && gateway.webhookToken ? `/${gateway.webhookToken}` : '';
  const hmacKey = 'hmacKey' in gateway ? gateway.hmacKey : undefined;
  const url = `/webhooks/${entry.gateway}${token}`;
  const one = async (i: number) => {
    const opts = { session: entry.name, from: `${990_000_000_000 + i}@c.us`, callId: `WARMUP${i}`, clock: o.clock };
    const body = JSON.stringify(gateway.type === 'waha' ? callReceived(opts) : wawpCallReceived(opts));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-webhook-timestamp': String(o.clock.now()),
      [REHEARSAL_HEADER]: o.secret,
    };
    if (hmacKey) headers['x-webhook-hmac'] = signWaha(body, hmacKey);
    await o.app.inject({ method: 'POST', url, headers, payload: body });
  };
  let next = 0;
  const lane = async () => {
    while (next < o.count && !o.stopping()) await one(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
}
