import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config/index.js';
import { gatewayKind, type GatewayKind } from '../gateways/index.js';
import { MAX_NESTING, nestsDeeperThan } from '../gateways/parse.js';
import { InvalidWebhook } from '../gateways/types.js';
import type { EventPipeline } from '../pipeline/index.js';
import type { Sessions } from '../sessions.js';
import type { Clock } from '../lib/clock.js';
import { loggedPath } from '../lib/log.js';
import { formatDuration } from '../duration.js';
import { eventLabel, type Metrics } from './metrics.js';
import { errorCodeOf, sendError } from './errors.js';
import { createRefusalLog } from './refusalLog.js';
import { readRawBody } from './rawBody.js';
import { REHEARSAL_HEADER } from '../warmUp.js';

export interface WebhookRoutesOptions {
  gateways: Record<string, GatewayConfig>;
  /** Where "now" is read for X-Webhook-Timestamp. */
  clock: Clock;
  /** `webhooks.tolerance`: how far X-Webhook-Timestamp may be from now, in ms. */
  tolerance: number;
  sessions: Pick<Sessions, 'forWebhook'>;
  pipeline: EventPipeline;
  bodyLimit: number;
  metrics: Metrics;
  /** The value of REHEARSAL_HEADER on the warm-up's own webhooks: they are run and undone, never stored. */
  rehearsal: string;
}

/** The raw body as received, unless the gateway put a credential in it. */
function storedBody(kind: GatewayKind, json: unknown, text: string): string {
  const safe = kind.storableBody(json);
  return safe === json ? text : JSON.stringify(safe);
}

const digest = (token: string) => createHash('sha256').update(token).digest();

/**
 * Why the token in the URL does not let this webhook in, or null when it does. Compared as
 * SHA-256 digests: equal lengths for timingSafeEqual, and no timing that depends on the secret's.
 */
function tokenProblem(name: string, want: Buffer | undefined, given: string | undefined): string | null {
  if (want === undefined)
    return given === undefined ? null : `gateway "${name}" has no webhookToken; post to /webhooks/${name}`;
  if (given === undefined) return `gateway "${name}" takes webhooks at /webhooks/${name}/<webhookToken>`;
  return timingSafeEqual(digest(given), want) ? null : 'the webhook token in the URL is wrong';
}

/** Roughly, for a person: seconds under a day, days beyond (a timestamp in seconds is years off). */
const roughly = (ms: number) => (ms < 86_400_000 ? `${Math.round(ms / 1000)}s` : `${Math.round(ms / 86_400_000)}d`);

/**
 * Why X-Webhook-Timestamp (ms, as WAHA sends it) refuses this webhook, or null. A delivery replayed
 * later than the tolerance is refused even once its event row is gone (retention), so it cannot be
 * acted on twice; a gateway that sends no timestamp is let through as before.
 */
function timestampProblem(
  value: string | string[] | undefined,
  now: number,
  tolerance: number,
): { name: 'badTimestamp' | 'staleWebhook'; message: string } | null {
  if (value === undefined) return null;
  const text = Array.isArray(value) ? value.join(', ') : value;
  if (!/^\d{1,16}$/.test(text.trim()))
    return {
      name: 'badTimestamp',
      message: `X-Webhook-Timestamp ${JSON.stringify(text.slice(0, 40))} is not a time in milliseconds since 1970`,
    };
  const off = now - Number(text);
  if (Math.abs(off) <= tolerance) return null;
  const way = off > 0 ? 'behind' : 'ahead of';
  return {
    name: 'staleWebhook',
    message:
      `X-Webhook-Timestamp is ${roughly(Math.abs(off))} ${way} this server's clock; ` +
      `webhooks.tolerance allows ${formatDuration(tolerance)}`,
  };
}

/**
 * `POST /webhooks/<gateway>[/<webhookToken>]`: verify, parse, store, then answer. The 2xx goes out
 * only after the event's transaction has committed, so an acknowledged event is never lost.
 */
export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (app, opts) => {
  // The raw bytes are needed for the HMAC, so the body is parsed here rather than by Fastify.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => readRawBody(payload, opts.bodyLimit, done));

  const rehearsal = digest(opts.rehearsal);
  const tokens = new Map(
    Object.entries(opts.gateways).flatMap(([name, g]) => (g.webhookToken ? [[name, digest(g.webhookToken)]] : [])),
  );

  // Fastify and its logs read the URL from here, and the token in it is a secret: from now on it is
  // the path as logs show it. Routing is done, and the handler reads the token from the params.
  app.addHook('onRequest', async (req) => {
    req.raw.url = loggedPath(req.raw.url ?? '');
  });

  // Every refusal (the handler's, and the body limit's or a timeout's before it) is said once per reason
  // per 10 s; the code is the one the answer went out with, so no refusal path can forget it.
  const refused = createRefusalLog(app.log, opts.clock);
  app.addHook('onSend', async (req, reply, payload) => {
    const status = reply.statusCode;
    if (status < 400 || status >= 500) return payload;
    const params = req.params as { gateway?: string };
    const gateway =
      params.gateway !== undefined && Object.hasOwn(opts.gateways, params.gateway) ? params.gateway : 'unknown';
    refused({ gateway, reason: errorCodeOf(reply) ?? `http_${status}`, status, requestId: req.id });
    return payload;
  });

  type Req = FastifyRequest<{ Params: { gateway: string; token?: string } }>;
  const receive = async (req: Req, reply: FastifyReply) => {
    const arrived = performance.now();
    const name = req.params.gateway;
    const gateway = Object.hasOwn(opts.gateways, name) ? opts.gateways[name]! : undefined;
    // Labels from a fixed set only: a configured gateway or `unknown`, a known event type or `other`.
    const count = (outcome: string, type = '') =>
      opts.metrics.webhooks.inc({ gateway: gateway ? name : 'unknown', event: eventLabel(type), outcome });
    if (!gateway) {
      count('unknown_gateway');
      return sendError(reply, 'unknownGateway', name);
    }
    const badToken = tokenProblem(name, tokens.get(name), req.params.token);
    if (badToken) {
      count('bad_token');
      return sendError(reply, 'badToken', badToken);
    }
    const late = timestampProblem(req.headers['x-webhook-timestamp'], opts.clock.now(), opts.tolerance);
    if (late) {
      count(late.name === 'staleWebhook' ? 'stale_webhook' : 'invalid_timestamp');
      return sendError(reply, late.name, late.message);
    }
    const kind = gatewayKind(gateway);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const unauthentic = await kind.authenticate(raw, req.headers, gateway);
    if (unauthentic) {
      count('bad_signature');
      return sendError(reply, 'badSignature', unauthentic);
    }
    // Before parsing or storing: a body stored that nests thousands deep makes its call unreadable.
    if (nestsDeeperThan(raw, MAX_NESTING)) {
      count('too_deep');
      return sendError(reply, 'tooDeep', MAX_NESTING);
    }
    const text = raw.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      count('malformed');
      return sendError(reply, 'malformedJson', raw.length === 0 ? null : (err as Error).message);
    }
    let parsed;
    try {
      parsed = kind.parseWebhook(json);
    } catch (err) {
      if (!(err instanceof InvalidWebhook)) throw err;
      count('invalid');
      return sendError(reply, 'invalidEvent', err.message);
    }
    const incoming = {
      gateway: name,
      eventId: parsed.eventId,
      type: parsed.type,
      session: opts.sessions.forWebhook(name, parsed.session) ?? null,
      sessionName: parsed.session,
      event: parsed.event,
      invalidCaller: parsed.invalidCaller,
      body: storedBody(kind, json, text),
    };
    const marked = req.headers[REHEARSAL_HEADER];
    if (typeof marked === 'string' && timingSafeEqual(digest(marked), rehearsal)) {
      await opts.pipeline.rehearse(incoming);
      return reply.code(200).send({ status: 'rehearsed', eventId: parsed.eventId });
    }
    const started = process.hrtime.bigint();
    const done = await opts.pipeline.ingest(incoming);
    opts.metrics.ingestSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    opts.metrics.webhookWaitMax((performance.now() - arrived) / 1000);
    count(done.outcome, parsed.type);
    return reply.code(200).send({ status: done.outcome, eventId: parsed.eventId });
  };
  // A gateway reads the answer, never a browser: helmet's headers would protect nothing, and
  // without them a webhook costs 12% less CPU in all (bench/ab.ts, six alternating rounds).
  app.post('/webhooks/:gateway', { helmet: false }, receive);
  app.post('/webhooks/:gateway/:token', { helmet: false }, receive);
};
