import type { FastifyPluginAsync } from 'fastify';
import { normaliseChatId, phoneOf } from '../domain/jid.js';
import type { Store } from '../store/db.js';
import { listOptOuts, removeOptOut } from '../store/optouts.js';
import { iso } from '../views/time.js';
import { sendError } from './errors.js';
import { apiErrors, isoTime, nullable } from './schemas/errors.js';
import { sessionCallerParams, sessionParams } from './schemas/params.js';
import { sessionOf } from './session.js';

const optOutSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['caller', 'number', 'at'],
  properties: { caller: { type: 'string' }, number: nullable({ type: 'string' }), at: isoTime },
};

/** Callers who wrote an opt-out keyword: no automated text of the session reaches them until they resume. */
export const optOutRoutes: FastifyPluginAsync<{ store: Store }> = async (app, opts) => {
  const config = { session: true };
  const tags = ['opt-outs'];

  app.get<{ Params: { session: string }; Querystring: { limit: number; cursor?: string } }>(
    '/api/sessions/:session/optouts',
    {
      config,
      schema: {
        summary: "A session's opted-out callers, most recent first",
        tags,
        params: sessionParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: { type: 'string', description: "the previous page's nextCursor" },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['optouts', 'nextCursor'],
            properties: {
              optouts: { type: 'array', items: optOutSchema },
              nextCursor: nullable({ type: 'string' }),
            },
          },
          ...apiErrors(400, 404),
        },
      },
    },
    async (req, reply) => {
      const s = sessionOf(req);
      const { limit, cursor } = req.query;
      const before = cursor === undefined ? undefined : parseCursor(cursor);
      if (before === null) return sendError(reply, 'badCursor');
      const rows = await listOptOuts(opts.store.db, s.session, limit, before);
      const last = rows.length === limit ? rows.at(-1) : undefined;
      return {
        optouts: rows.map((r) => ({ caller: r.caller, number: phoneOf(r.caller), at: iso(r.at) })),
        nextCursor: last ? Buffer.from(JSON.stringify([last.at, last.caller])).toString('base64url') : null,
      };
    },
  );

  app.delete<{ Params: { session: string; caller: string } }>(
    '/api/sessions/:session/optouts/:caller',
    {
      config,
      schema: {
        summary: 'Turns automated texts back on for a caller who opted out (as their resume keyword would)',
        tags,
        params: sessionCallerParams,
        response: { 204: { type: 'null', description: 'removed' }, ...apiErrors(404) },
      },
    },
    async (req, reply) => {
      const s = sessionOf(req);
      const caller = normaliseChatId(req.params.caller);
      if (!(await removeOptOut(opts.store.db, s.session, caller)))
        return sendError(reply, 'notOptedOut', caller, s.session);
      return reply.code(204).send();
    },
  );
};

function parseCursor(cursor: string): { at: number; caller: string } | null {
  try {
    const [at, caller] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    return typeof at === 'number' && typeof caller === 'string' ? { at, caller } : null;
  } catch {
    return null;
  }
}
