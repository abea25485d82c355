import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Config } from '../config/index.js';
import { tokenMatches } from './api.js';
import { catalogError } from './errors.js';

export interface ApiLimits {
  /** Every `/api` route: the JSON API, the live stream and the API document. */
  api: onRequestHookHandler;
  /** `POST /api/stream/tickets`, counted apart from the API's (a request is counted by one limit only). */
  tickets: onRequestHookHandler;
}

/**
 * Requests are counted per client: by the API token's hash when the request carries the right one,
 * by IP otherwise. A wrong token counts against its IP, so guessing tokens does not open a fresh
 * count each time; the hash keeps the token itself out of the limiter's memory.
 */
export function limitKey(token: string | undefined) {
  const hash = token && createHash('sha256').update(token).digest('base64url');
  return (req: FastifyRequest) =>
    token && hash && tokenMatches(req.headers.authorization, token) ? `token:${hash}` : `ip:${req.ip}`;
}

/**
 * One counter per limit, made once and shared by every route it covers (so the stream and the API
 * draw on the same count). Needs `@fastify/rate-limit` registered on `app`.
 */
export function apiLimits(app: FastifyInstance, config: Config['api']): ApiLimits {
  const { max, tickets, window } = config.rateLimit;
  const common = {
    timeWindow: window,
    keyGenerator: limitKey(config.token),
    errorResponseBuilder: (_req: FastifyRequest, ctx: { max: number; after: string }) =>
      catalogError('rateLimited', ctx.max, ctx.after),
  };
  return { api: app.rateLimit({ ...common, max }), tickets: app.rateLimit({ ...common, max: tickets }) };
}
