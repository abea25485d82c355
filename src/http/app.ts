import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { StatsReader } from '../store/statsReader.js';
import type { Config } from '../config/index.js';
import type { LiveFeed } from '../feed/liveFeed.js';
import type { Clock } from '../lib/clock.js';
import type { EventPipeline } from '../pipeline/index.js';
import type { Sessions } from '../sessions.js';
import type { Store } from '../store/db.js';
import { apiRoutes, requireToken } from './api.js';
import { dashboardRoutes, securityHeaders } from './dashboard.js';
import { clientErrorHandler, installErrorHandling } from './errors.js';
import { healthRoutes, type Readiness } from './health.js';
import { apiLimits } from './limits.js';
import { metricsRoutes, type Metrics } from './metrics.js';
import { docsRoutes, installOpenApi } from './openapi.js';
import { installSessionResolver } from './session.js';
import { streamRoutes } from './stream.js';
import { ApiTokens } from './tokens.js';
import { webhookRoutes } from './webhooks.js';

export interface AppDeps {
  config: Config;
  /** Domain time for the routes that read it (VIPs added, caller windows, stream tickets, webhook timestamps). */
  clock: Clock;
  store: Store;
  pipeline: EventPipeline;
  feed: LiveFeed;
  sessions: Sessions;
  /** Where `GET /api/stats` is computed (off the HTTP thread on SQLite). */
  stats: StatsReader;
  metrics: Metrics;
  beforeScrape: () => Promise<void>;
  log: FastifyBaseLogger;
  readiness: Readiness;
  /** The value of the header that marks the warm-up's own webhooks (see warmUp.ts). */
  rehearsal: string;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.log,
    // Per-request logs cost more than the work at storm rates (outcomes are in /metrics): only on
    // request, and never for the health probe.
    logController: new LogController({
      disableRequestLogging: (req) => !config.log.requests || req.url === '/healthz' || req.url === '/readyz',
    }),
    bodyLimit: config.http.bodyLimit,
    // A request must arrive in full, headers and body, within requestTimeout: a client that sends
    // a byte now and then (or nothing) holds a connection that long at most, then gets a 408.
    requestTimeout: config.http.requestTimeout,
    http: {
      headersTimeout: config.http.requestTimeout,
      // Node looks for expired requests only this often (30 s unless told), so a short timeout
      // holds; a walk over at most maxConnections sockets is cheap.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(config.http.requestTimeout / 4))),
    },
    clientErrorHandler: clientErrorHandler(config.http.requestTimeout),
    // On shutdown idle connections close at once and webhooks in flight are answered first (the
    // default); the live-feed streams are ended by their own plugin.
    forceCloseConnections: 'idle',
  });
  // Past this many open sockets new ones are refused at once: each holds memory (a body up to
  // bodyLimit) until it is answered or timed out.
  app.server.maxConnections = config.http.maxConnections;
  installErrorHandling(app);
  installSessionResolver(app, deps.sessions);
  // A webhook answered during shutdown closes its connection, so the server can stop without
  // waiting for the keep-alive timeout; the gateway's next webhook goes to a replica that is up.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  await installOpenApi(app);
  await app.register(helmet, securityHeaders);
  // Limits are opted into by the /api routes (webhooks burst legitimately; /healthz is polled).
  await app.register(rateLimit, { global: false });
  const tokens = new ApiTokens(config.api);
  const limits = apiLimits(app, config.api, tokens);
  await app.register(healthRoutes, { store: deps.store, pipeline: deps.pipeline, readiness: deps.readiness });
  await app.register(metricsRoutes, {
    metrics: deps.metrics,
    beforeScrape: deps.beforeScrape,
    token: config.metrics.token,
  });
  await app.register(apiRoutes, {
    store: deps.store,
    tokens,
    pipeline: deps.pipeline,
    sessions: deps.sessions,
    clock: deps.clock,
    stats: deps.stats,
    limit: limits.api,
  });
  await app.register(streamRoutes, { feed: deps.feed, tokens, clock: deps.clock, limits });
  await app.register(docsRoutes, { guard: tokens.required ? [limits.api, requireToken(tokens)] : [limits.api] });
  await app.register(dashboardRoutes);
  await app.register(webhookRoutes, {
    gateways: config.gateways,
    clock: deps.clock,
    tolerance: config.webhooks.tolerance,
    sessions: deps.sessions,
    pipeline: deps.pipeline,
    bodyLimit: config.http.bodyLimit,
    metrics: deps.metrics,
    rehearsal: deps.rehearsal,
  });
  return app;
}
