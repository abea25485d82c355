import type { FastifyPluginAsync } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { tokenMatches } from './api.js';
import { sendError } from './errors.js';

/**
 * The event types a webhook is counted under: what the gateways send about calls and messages.
 * Labels come from this fixed set (anything else is `other`), never from the body as it is, so
 * posts of made-up types cannot grow /metrics without bound.
 */
const EVENT_LABELS = new Set([
  // WAHA, Wawp
  'call.received',
  'call.accepted',
  'call.rejected',
  'message',
  'message.any',
  'message.ack',
  'message.reaction',
  'message.revoked',
  'message.edited',
  'message.waiting',
  // Evolution: one per Baileys call status, and its message events
  'call.offer',
  'call.ringing',
  'call.preaccept',
  'call.transport',
  'call.timeout',
  'call.reject',
  'call.accept',
  'call.terminate',
  'messages.upsert',
  'messages.update',
  'messages.delete',
  'messages.set',
]);

export const eventLabel = (type: string): string => (EVENT_LABELS.has(type) ? type : 'other');

/** A gauge of the largest value noted since the previous scrape (each scrape starts it over); returns the noting function. */
function maxSinceScrape(registry: Registry, name: string, help: string): (v: number) => void {
  let max = 0;
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(max);
      max = 0;
    },
  });
  return (v) => {
    if (v > max) max = v;
  };
}

/** One registry per server, so several servers in one process (tests) keep their own counts. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    commitSeconds: new Histogram({
      name: 'callbridge_commit_seconds',
      help: 'Time of each group-commit transaction, begin to durable commit',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    commitMax: maxSinceScrape(registry, 'callbridge_commit_max_seconds', 'Longest commit since the previous scrape'),
    webhookWaitMax: maxSinceScrape(
      registry,
      'callbridge_webhook_wait_max_seconds',
      "Longest time from a webhook's arrival to its durable commit since the previous scrape",
    ),
    loopDelayMax: new Gauge({
      name: 'callbridge_event_loop_delay_max_seconds',
      help: 'Longest event-loop stall of each thread (http, writer) since the previous scrape',
      labelNames: ['thread'] as const,
      registers: [registry],
    }),
    gcPauseMax: new Gauge({
      name: 'callbridge_gc_pause_max_seconds',
      help: 'Longest garbage-collection pause of each thread (http, writer) since the previous scrape',
      labelNames: ['thread'] as const,
      registers: [registry],
    }),
    webhooks: new Counter({
      name: 'callbridge_webhooks_total',
      help: 'Webhooks received, by gateway, event and outcome',
      labelNames: ['gateway', 'event', 'outcome'] as const,
      registers: [registry],
    }),
    ingestSeconds: new Histogram({
      name: 'callbridge_webhook_processing_seconds',
      help: 'Time from a parsed webhook to its durable commit',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    actions: new Counter({
      name: 'callbridge_actions_total',
      help: 'Action attempts, by kind and outcome (ok, retry, failed, expired)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
    retries: new Counter({
      name: 'callbridge_action_retries_total',
      help: 'Action attempts that failed and were scheduled again, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    expiredRedirects: new Counter({
      name: 'callbridge_redirects_expired_total',
      help: 'Redirects given up because they could no longer be sent before their expiry',
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'callbridge_commit_queue_depth',
      help: 'Jobs waiting for the next group commit',
      registers: [registry],
    }),
    actionsInFlight: new Gauge({
      name: 'callbridge_actions_in_flight',
      help: 'Actions being executed right now',
      registers: [registry],
    }),
    timersPending: new Gauge({
      name: 'callbridge_timers_pending',
      help: 'Timers (ring timeouts) not yet fired, as of the last scrape',
      registers: [registry],
    }),
    actionsPending: new Gauge({
      name: 'callbridge_actions_pending',
      help: 'Actions waiting to be sent or retried, as of the last scrape',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

export interface MetricsRoutesOptions {
  metrics: Metrics;
  beforeScrape: () => Promise<void>;
  /** `metrics.token`: when set, a scrape needs `Authorization: Bearer <token>`. */
  token: string | undefined;
}

export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, opts) => {
  const { token } = opts;
  app.get('/metrics', async (req, reply) => {
    if (token && !tokenMatches(req.headers.authorization, token)) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(
        reply,
        'unauthorized',
        req.headers.authorization ? 'the bearer token is wrong' : 'Authorization: Bearer <metrics.token> is required',
      );
    }
    await opts.beforeScrape();
    return reply.type(opts.metrics.registry.contentType).send(await opts.metrics.registry.metrics());
  });
};
