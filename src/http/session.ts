import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { SessionSettings } from '../domain/types.js';
import type { SessionLookup } from '../sessions.js';
import { sendError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route is about the session its `:session` or `?session=` names, which must be one callbridge serves. */
    session?: boolean;
  }
  interface FastifyRequest {
    /** The session the request names, on a route with `config: { session: true }`; null when it names none. */
    servedSession: SessionSettings | null;
  }
}

/**
 * Resolves the session a route names once, before its handler: a session callbridge does not serve
 * is answered 404 `unknown_session` here, for every route alike. Routes opt in with
 * `config: { session: true }` (`/api/calls?session=` does not: history outlives its session).
 */
export function installSessionResolver(app: FastifyInstance, sessions: SessionLookup): void {
  app.decorateRequest('servedSession', null);
  const resolve: preHandlerAsyncHookHandler = async (req, reply) => {
    const params = req.params as { session?: string };
    const query = req.query as { session?: string };
    const name = params.session ?? query.session;
    if (name === undefined) return;
    const settings = sessions.get(name);
    if (!settings) return sendError(reply, 'unknownSession', name);
    req.servedSession = settings;
  };
  app.addHook('onRoute', (route) => {
    if (!route.config?.session) return;
    const own = route.preHandler ?? [];
    route.preHandler = [resolve, ...(Array.isArray(own) ? own : [own])];
  });
}

/** The session of a route whose path has `:session` (and `config: { session: true }`). */
export function sessionOf(req: FastifyRequest): SessionSettings {
  if (!req.servedSession) throw new Error(`${req.routeOptions.url}: a route with :session needs config.session`);
  return req.servedSession;
}
