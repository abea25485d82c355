import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createChatwootSender } from './alerts/chatwoot.js';
import { createSlackSender, createWebhookSender, type AlertSender } from './alerts/senders.js';
import type { Config } from './config/index.js';
import { CallerProfiles } from './crm/profiles.js';
import { LiveFeed } from './feed/liveFeed.js';
import { describeAttempt } from './dispatch/describe.js';
import { Dispatcher, type SessionTarget } from './dispatch/dispatcher.js';
import type { AlertChannel } from './domain/types.js';
import { gatewayKind } from './gateways/index.js';
import type { GatewayClient } from './gateways/types.js';
import { buildApp } from './http/app.js';
import { createMetrics } from './http/metrics.js';
import { BudgetCache } from './lib/budgetCache.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createLogger } from './lib/log.js';
import { Limiter } from './lib/limiter.js';
import { WakeLoop } from './lib/wakeLoop.js';
import { createEnricher } from './pipeline/enrich.js';
import type { IngestHooks } from './pipeline/ingestHooks.js';
import { Pipeline, type EventPipeline } from './pipeline/index.js';
import { WorkerPipeline } from './pipeline/workerPipeline.js';
import { Sessions } from './sessions.js';
import { countPendingActions } from './store/actions.js';
import { openStore, sqliteFileOf, type Store } from './store/db.js';
import { FEED_KEEP } from './store/feed.js';
import { HISTORY_TABLES, type HistoryTable } from './store/retention.js';
import { findOptOut } from './store/optouts.js';
import { statsReader } from './store/statsReader.js';
import { countTimers } from './store/timers.js';
import { warmUp } from './warmUp.js';
import { watchStalls } from './lib/stalls.js';

export interface Callbridge {
  /** http://<host>:<port> as bound (the real port when configured as 0). */
  url: string;
  app: FastifyInstance;
  store: Store;
  pipeline: EventPipeline;
  feed: LiveFeed;
  /** Resolves once the warm-up is done and /readyz says ready. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Due actions taken per poll; a full batch means more are waiting and the loop goes on at once. */
const CLAIM_BATCH = 200;
/**
 * Due timers fired per transaction. Each is a decision written like a webhook's, so a backlog (ring
 * timeouts that fell due while callbridge was down) goes in small batches: a webhook arriving
 * meanwhile waits for one of them to commit, not for hundreds.
 */
const TIMER_BATCH = 50;
/** Old history goes in small deletes that share commits with the webhooks, so none waits long behind it. */
const PRUNE_CHUNK = 500;
const PRUNE_EVERY = 3_600_000;
/** A commit this long is logged: every webhook in it waited as long (the target is under 100 ms). */
const SLOW_COMMIT_MS = 50;

export interface CallbridgeOptions {
  /** Domain time: "now" and the timers due at a moment of it. Tests pass a `ManualClock`. */
  clock?: Clock;
}

/** Opens the database, starts the loops and the HTTP server. The composition root: every part is wired here. */
export async function startCallbridge(
  config: Config,
  { clock = systemClock }: CallbridgeOptions = {},
): Promise<Callbridge> {
  const log = createLogger(config.log);
  const store = await openStore(config.database.url, { poolSize: config.database.poolSize });
  const { dispatch } = config;
  if (store.dialect === 'sqlite') {
    // One process owns a SQLite file, so claims left by an earlier run of it are stale.
    await store.db.updateTable('actions').set({ claimed_until: null }).where('status', '=', 'pending').execute();
    await store.db.updateTable('timers').set({ claimed_until: null }).execute();
  }

  const sessions = new Sessions(config);

  const clients = new Map<string, GatewayClient>();
  const slots = new Map<string, Limiter>();
  for (const [name, g] of Object.entries(config.gateways)) {
    clients.set(name, gatewayKind(g).createClient(g));
    slots.set(name, new Limiter(g.connections));
  }
  const targets = {
    get(session: string): SessionTarget | undefined {
      const s = sessions.entry(session);
      return (
        s && {
          session,
          sessionName: s.name,
          client: clients.get(s.gateway)!,
          slots: slots.get(s.gateway)!,
          contactLookup: s.config.contactLookup,
        }
      );
    },
  };

  const alertSenders: Partial<Record<AlertChannel, AlertSender>> = {};
  if (config.alerts.slack)
    alertSenders.slack = createSlackSender(config.alerts.slack.webhookUrl, config.http.publicUrl);
  if (config.alerts.webhook)
    alertSenders.webhook = createWebhookSender(config.alerts.webhook.url, config.alerts.webhook.secret, clock);
  if (config.alerts.chatwoot) alertSenders.chatwoot = createChatwootSender(config.alerts.chatwoot);
  const profiles = config.crm.lookup ? new CallerProfiles(config.crm.lookup, clock) : null;

  const metrics = createMetrics();
  const hooks: IngestHooks = {
    enrich: createEnricher({ targets, profiles, clock }),
    holdConnection: (session) => {
      const gateway = sessions.entry(session)?.gateway;
      return gateway === undefined ? null : (slots.get(gateway)?.promise() ?? null);
    },
  };
  // A SQLite file is written by its own thread; PostgreSQL (a server) and an in-memory database
  // (which no second thread can open) are written from this one.
  const pipeline: EventPipeline =
    store.dialect === 'sqlite' && !config.database.url.endsWith(':memory:')
      ? await WorkerPipeline.start(
          {
            url: config.database.url,
            sessions: { sessions: config.sessions, alerts: config.alerts },
            lease: dispatch.lease,
          },
          clock,
          hooks,
        )
      : new Pipeline(store, sessions, dispatch.lease, clock, hooks);
  // Not the app's logger: the writer thread may die before the app exists, and must still be told (then refused: 503).
  const logError = (what: string) => (err: unknown) => log.error({ err }, what);
  pipeline.on('writerFailed', logError('the database writer stopped; webhooks are refused until callbridge restarts'));
  pipeline.on('checkpointerFailed', logError('the WAL checkpointer stopped; commits checkpoint themselves (slower)'));
  pipeline.on('notifyFailed', logError("other replicas' live feeds could not be woken; they read the change later"));
  const stalls = watchStalls();
  pipeline.on('commitTimed', (t) => {
    metrics.commitSeconds.observe(t.ms / 1000);
    metrics.commitMax(t.ms / 1000);
    // Each webhook of a slow commit waited that long: said with what the commit carried. Info, not a
    // warning: replicas of PostgreSQL contending for the same rows make slow commits by design.
    if (t.ms >= SLOW_COMMIT_MS) log.info({ commit: t }, `slow commit: ${Math.round(t.ms)} ms for ${t.jobs} jobs`);
  });

  const actionLoop: WakeLoop = new WakeLoop(
    clock,
    async () => {
      const due = await pipeline.claimActions(CLAIM_BATCH);
      for (const a of due) dispatcher.dispatch(a);
      return due.length === CLAIM_BATCH;
    },
    dispatch.pollInterval,
    logError('claiming due actions failed'),
  );
  const timerLoop: WakeLoop = new WakeLoop(
    clock,
    async () => {
      const due = await pipeline.claimTimers(TIMER_BATCH);
      await Promise.all(due.map((t) => pipeline.fireTimer(t)));
      return due.length === TIMER_BATCH;
    },
    dispatch.pollInterval,
    logError('firing timers failed'),
  );
  // Live-feed changes past the day a stream client may resume from, and history past
  // retention.keep, go in small deletes through the pipeline (on SQLite, its writer thread).
  const retentionLoop: WakeLoop = new WakeLoop(
    clock,
    async () => {
      const now = clock.now();
      const due: Array<[HistoryTable, number]> = [['feed', now - FEED_KEEP]];
      if (config.retention.enabled) for (const table of HISTORY_TABLES) due.push([table, now - config.retention.keep]);
      let more = false;
      for (const [table, before] of due) {
        const deleted = await pipeline.prune(table, before, PRUNE_CHUNK);
        if (deleted === PRUNE_CHUNK) more = true;
      }
      return more;
    },
    PRUNE_EVERY,
    logError('pruning old history failed'),
  );
  const dispatcher: Dispatcher = new Dispatcher({
    clock,
    targets,
    // Each lookup is kept for its own session's cacheTtl; the dispatcher passes it.
    names: new BudgetCache<string>(clock, 0),
    alertSenders,
    retry: { initial: dispatch.retryInitial, max: dispatch.retryMax },
    record: (action, r) => pipeline.recordAttempt(action, r),
    sending: {
      start: (action, at) => pipeline.startSending(action, at),
      extend: (id, since) => pipeline.extendLease(id, since),
      lease: dispatch.lease,
    },
    optedOut: async (session, chatId) => (await findOptOut(store.db, session, chatId)) !== null,
    wakeAt: (at) => actionLoop.wake(at),
    onResult: (action, r) => {
      metrics.actions.inc({ kind: action.kind, outcome: r.outcome });
      if (r.outcome === 'retry') metrics.retries.inc({ kind: action.kind });
      if (r.outcome === 'expired' && action.kind === 'sendRedirect') metrics.expiredRedirects.inc();
      const seen = describeAttempt(action, r);
      if (seen) log[seen.level](seen.fields, seen.msg);
    },
    onError: logError('dispatching an action failed'),
  });

  pipeline.on('committed', (c) => {
    for (const a of c.actions) dispatcher.dispatch(a);
    for (const t of c.timers) timerLoop.wake(t.dueAt);
  });

  const feed = new LiveFeed(store, logError('the live feed failed'));
  const stats = statsReader(store, sqliteFileOf(config.database.url));
  pipeline.on('callsChanged', () => feed.wake());
  await feed.start();

  const readiness = { warmingUp: config.http.warmUp > 0 };
  const rehearsal = randomBytes(32).toString('base64url');
  const app = await buildApp({
    readiness,
    rehearsal,
    config,
    clock,
    store,
    pipeline,
    feed,
    sessions,
    stats,
    metrics,
    log,
    beforeScrape: async () => {
      const http = stalls.take();
      const writer = (await pipeline.writerStalls()) ?? { loopMaxMs: 0, gcMaxMs: 0 };
      metrics.loopDelayMax.set({ thread: 'http' }, http.loopMaxMs / 1000);
      metrics.loopDelayMax.set({ thread: 'writer' }, writer.loopMaxMs / 1000);
      metrics.gcPauseMax.set({ thread: 'http' }, http.gcMaxMs / 1000);
      metrics.gcPauseMax.set({ thread: 'writer' }, writer.gcMaxMs / 1000);
      metrics.queueDepth.set(pipeline.depth);
      metrics.actionsInFlight.set(dispatcher.active);
      metrics.timersPending.set(await countTimers(store.db));
      metrics.actionsPending.set(await countPendingActions(store.db));
    },
  });
  await app.listen({ host: config.http.host, port: config.http.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;

  actionLoop.start();
  timerLoop.start();
  retentionLoop.start();

  let closing: Promise<void> | null = null;
  const ready = (
    readiness.warmingUp
      ? warmUp({
          app,
          config,
          sessions,
          clock,
          secret: rehearsal,
          count: config.http.warmUp,
          stopping: () => closing !== null,
        }).catch(logError('warming up failed; serving anyway'))
      : Promise.resolve()
  ).then(() => {
    readiness.warmingUp = false;
  });
  return {
    url: `http://${host}:${port}`,
    app,
    store,
    pipeline,
    feed,
    ready,
    close: () =>
      (closing ??= (async () => {
        await ready;
        await app.close();
        await Promise.all([feed.stop(), stats.close()]);
        await Promise.all([actionLoop.stop(), timerLoop.stop(), retentionLoop.stop()]);
        await dispatcher.drain();
        await pipeline.close();
        await Promise.all(
          [...clients.values(), ...Object.values(alertSenders), ...(profiles ? [profiles] : [])].map((c) => c.close()),
        );
        await store.close();
        stalls.stop();
      })()),
  };
}
