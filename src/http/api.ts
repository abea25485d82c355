import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { normaliseChatId } from '../domain/jid.js';
import type { CallStatus } from '../domain/types.js';
import type { Clock } from '../lib/clock.js';
import type { Sessions } from '../sessions.js';
import { listActionsForCall, listAttempts } from '../store/actions.js';
import { findCallById, listCalls } from '../store/calls.js';
import type { Store } from '../store/db.js';
import { listEventsForCall } from '../store/events.js';
import { callDetail } from '../views/callDetail.js';
import { callSummary } from '../views/calls.js';
import { callerRoutes } from './callers.js';
import { sendError } from './errors.js';
import { sessionRoutes } from './sessions.js';
import { vipRoutes } from './vips.js';

export interface ApiOptions {
  store: Store;
  token: string | undefined;
  sessions: Sessions;
  clock: Clock;
}

export const tokenMatches = (header: string | undefined, token: string) => {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
};

/** The JSON API, behind `Authorization: Bearer <api.token>` when a token is configured. */
export const apiRoutes: FastifyPluginAsync<ApiOptions> = async (app, opts) => {
  const { token } = opts;
  if (token) {
    app.addHook('onRequest', async (req, reply) => {
      if (!tokenMatches(req.headers.authorization, token)) {
        reply.header('www-authenticate', 'Bearer');
        return sendError(
          reply,
          'unauthorized',
          req.headers.authorization ? 'the bearer token is wrong' : 'Authorization: Bearer <token> is required',
        );
      }
    });
  }

  app.get<{ Querystring: { session?: string; status?: CallStatus; caller?: string; limit: number; cursor?: string } }>(
    '/api/calls',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            session: { type: 'string', minLength: 1 },
            status: { type: 'string', enum: ['ringing', 'answered', 'rejected', 'missed'] },
            caller: { type: 'string', minLength: 1 },
            limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
            cursor: { type: 'string', pattern: '^[0-9]+$' },
          },
        },
      },
    },
    async (req) => {
      const q = req.query;
      const stored = await listCalls(opts.store.db, {
        session: q.session,
        status: q.status,
        caller: q.caller === undefined ? undefined : normaliseChatId(q.caller),
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
    { schema: { params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } } },
    async (req, reply) => {
      const db = opts.store.db;
      const call = await findCallById(db, req.params.id);
      if (!call) return sendError(reply, 'noSuchCall', req.params.id);
      const [events, actions] = await Promise.all([
        listEventsForCall(db, call.session, call.callId),
        listActionsForCall(db, call.session, call.callId),
      ]);
      const attempts = await listAttempts(
        db,
        actions.map((a) => a.id),
      );
      return callDetail(call, events, actions, attempts);
    },
  );

  await app.register(callerRoutes, { store: opts.store, sessions: opts.sessions, clock: opts.clock });
  await app.register(vipRoutes, { store: opts.store, clock: opts.clock });
  await app.register(sessionRoutes, { store: opts.store, sessions: opts.sessions });
};
