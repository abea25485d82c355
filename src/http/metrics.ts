import type { FastifyPluginAsync } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per server, so several servers in one process (tests) keep their own counts. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
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

export const metricsRoutes: FastifyPluginAsync<{ metrics: Metrics; beforeScrape: () => Promise<void> }> = async (
  app,
  opts,
) => {
  app.get('/metrics', async (_req, reply) => {
    await opts.beforeScrape();
    return reply.type(opts.metrics.registry.contentType).send(await opts.metrics.registry.metrics());
  });
};
