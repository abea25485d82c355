import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Config } from '../config/index.js';
import { catalogError } from './errors.js';
import type { ApiTokens } from './tokens.js';

export interface ApiLimits {
  /** Every `/api` route: the JSON API, the live stream and the API document. */
  api: onRequestHookHandler;
  /** `POST /api/stream/tickets`, counted apart from the API's (a request is counted by one limit only). */
  tickets: onRequestHookHandler;
}

/**
 * Requests are counted per client: by who the token says (the admin, an agent) when the request
 * carries a right one, by IP otherwise. A wrong token counts against its IP, so guessing tokens
 * does not open a fresh count each time; the token itself stays out of the limiter's memory.
 */
export function limitKey(tokens: ApiTokens) {
  return (req: FastifyRequest) => {
    const agent = tokens.agentOf(req.headers.authorization);
    return agent === null ? `ip:${req.ip}` : `agent:${agent}`;
  };
}

/**
 * One counter per limit, made once and shared by every route it covers (so the stream and the API
 * draw on the same count). Needs `@fastify/rate-limit` registered on `app`.
 */
export function apiLimits(app: FastifyInstance, config: Config['api'], tokens: ApiTokens): ApiLimits {
  const { max, tickets, window } = config.rateLimit;
  const common = {
    timeWindow: window,
    keyGenerator: limitKey(tokens),
    errorResponseBuilder: (_req: FastifyRequest, ctx: { max: number; after: string }) =>
      catalogError('rateLimited', ctx.max, ctx.after),
  };
  return { api: app.rateLimit({ ...common, max }), tickets: app.rateLimit({ ...common, max: tickets }) };
}
