import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, onRequestHookHandler } from 'fastify';
import { normaliseChatId } from '../domain/jid.js';
import type { CallStatus } from '../domain/types.js';
import type { Clock } from '../lib/clock.js';
import type { EventPipeline } from '../pipeline/index.js';
import type { Sessions } from '../sessions.js';
import { listActionsForCall, listAttempts } from '../store/actions.js';
import { findCallById, listCalls } from '../store/calls.js';
import type { Store } from '../store/db.js';
import { listEventsForCall } from '../store/events.js';
import { callDetail } from '../views/callDetail.js';
import { callSummary } from '../views/calls.js';
import { callerRoutes } from './callers.js';
import { sendError } from './errors.js';
import { apiErrors } from './schemas/errors.js';
import { addSharedSchemas, callDetailSchema, callStatus } from './schemas/views.js';
import { queueRoutes } from './queue.js';
import { sessionRoutes } from './sessions.js';
import { optOutRoutes } from './optouts.js';
import type { ApiTokens } from './tokens.js';
import type { StatsReader } from '../store/statsReader.js';
import { statsRoutes } from './stats.js';
import { variantText } from '../domain/variants.js';
import { vipRoutes } from './vips.js';

export interface ApiOptions {
  store: Store;
  tokens: ApiTokens;
  pipeline: EventPipeline;
  sessions: Sessions;
  clock: Clock;
  stats: StatsReader;
  /** The API's rate limit, counted before the token is checked (so wrong tokens count too). */
  limit?: onRequestHookHandler;
}

export const tokenMatches = (header: string | undefined, token: string) => {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
};

/** Refuses a request without `Authorization: Bearer <token>` (the admin's or an agent's), naming what is wrong. */
export const requireToken =
  (tokens: ApiTokens): onRequestHookHandler =>
  async (req, reply) => {
    if (tokens.agentOf(req.headers.authorization) === null) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(
        reply,
        'unauthorized',
        req.headers.authorization ? 'the bearer token is wrong' : 'Authorization: Bearer <token> is required',
      );
    }
  };

/** The JSON API, behind `Authorization: Bearer <api.token or an agent's>` when a token is configured. */
export const apiRoutes: FastifyPluginAsync<ApiOptions> = async (app, opts) => {
  addSharedSchemas(app);
  if (opts.limit) app.addHook('onRequest', opts.limit);
  if (opts.tokens.required) app.addHook('onRequest', requireToken(opts.tokens));

  app.get<{
    Querystring: {
      session?: string;
      status?: CallStatus;
      caller?: string;
      name?: string;
      limit: number;
      cursor?: string;
    };
  }>(
    '/api/calls',
    {
      schema: {
        summary: 'Calls, newest first, a page at a time',
        tags: ['calls'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            session: { type: 'string', minLength: 1 },
            status: callStatus,
            caller: { type: 'string', minLength: 1 },
            name: {
              type: 'string',
              minLength: 1,
              maxLength: 100,
              description: "part of the caller's name, in any case (push name, CRM or VIP name)",
            },
            limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
            cursor: { type: 'string', pattern: '^[0-9]+$', description: 'nextCursor of the page before' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['calls', 'nextCursor'],
            properties: {
              calls: { type: 'array', items: { $ref: 'CallSummary#' } },
              nextCursor: { type: ['string', 'null'], description: 'null on the last page' },
            },
          },
          ...apiErrors(),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const stored = await listCalls(opts.store.db, {
        session: q.session,
        status: q.status,
        caller: q.caller === undefined ? undefined : normaliseChatId(q.caller),
        name: q.name,
        before: q.cursor === undefined ? undefined : Number(q.cursor),
        limit: q.limit,
      });
      const calls = stored.map(callSummary);
      const last = calls.at(-1);
      return { calls, nextCursor: calls.length === q.limit && last ? String(last.id) : null };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/calls/:id',
    {
      schema: {
        summary: 'A call, its events and the actions taken, try by try',
        tags: ['calls'],
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
        response: { 200: callDetailSchema, ...apiErrors(404) },
      },
    },
    async (req, reply) => {
      const db = opts.store.db;
      const call = await findCallById(db, req.params.id);
      if (!call) return sendError(reply, 'noSuchCall', req.params.id);
      const [events, actions] = await Promise.all([
        listEventsForCall(db, call.session, call.callId),
        listActionsForCall(db, call.session, call.callId),
      ]);
      const attempts = await listAttempts(db, actions);
      return callDetail(call, events, actions, attempts);
    },
  );

  await app.register(callerRoutes, { store: opts.store, sessions: opts.sessions, clock: opts.clock });
  await app.register(vipRoutes, { store: opts.store, clock: opts.clock });
  await app.register(optOutRoutes, { store: opts.store });
  await app.register(sessionRoutes, { store: opts.store, sessions: opts.sessions });
  await app.register(queueRoutes, { store: opts.store, pipeline: opts.pipeline, tokens: opts.tokens });
  await app.register(statsRoutes, {
    stats: opts.stats,
    clock: opts.clock,
    variantText: (session, template, id) => {
      const settings = opts.sessions.get(session);
      return settings ? variantText(settings, template, id) : null;
    },
  });
};
