import type { FastifyPluginAsync } from 'fastify';
import { checkChatId, normaliseChatId } from '../domain/jid.js';
import type { Clock } from '../lib/clock.js';
import type { Store } from '../store/db.js';
import { addVip, listVips, removeVip } from '../store/vips.js';
import { sessionVips, vipView } from '../views/vips.js';
import { sendError } from './errors.js';
import { apiErrors } from './schemas/errors.js';
import { addSharedSchemas } from './schemas/views.js';
import { sessionParams } from './schemas/params.js';
import { sessionOf } from './session.js';

/** VIPs per session: the config file's, plus those added here at run time (persisted). */
export const vipRoutes: FastifyPluginAsync<{ store: Store; clock: Clock }> = async (app, opts) => {
  addSharedSchemas(app);
  const config = { session: true };
  const tags = ['vips'];

  app.get<{ Params: { session: string } }>(
    '/api/sessions/:session/vips',
    {
      config,
      schema: {
        summary: "A session's VIPs: the config file's, then those added through the API",
        tags,
        params: sessionParams,
        response: {
          200: { type: 'object', required: ['vips'], properties: { vips: { type: 'array', items: { $ref: 'Vip#' } } } },
          ...apiErrors(404),
        },
      },
    },
    async (req) => {
      const s = sessionOf(req);
      return { vips: sessionVips(s.vip, await listVips(opts.store.db, s.session)) };
    },
  );

  app.post<{ Params: { session: string }; Body: { number: string; name?: string } }>(
    '/api/sessions/:session/vips',
    {
      config,
      schema: {
        summary: 'Makes a number a VIP of the session (kept across restarts)',
        tags,
        params: sessionParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['number'],
          properties: {
            number: { type: 'string', minLength: 1, maxLength: 100 },
            name: { type: 'string', maxLength: 200 },
          },
        },
        response: { 201: { $ref: 'Vip#', description: 'added' }, ...apiErrors(404) },
      },
    },
    async (req, reply) => {
      const s = sessionOf(req);
      const checked = checkChatId(req.body.number);
      if (!checked.ok) return sendError(reply, 'invalidNumber', checked.problem);
      const caller = checked.chatId;
      await addVip(opts.store.db, s.session, caller, req.body.name ?? null, opts.clock.now());
      return reply.code(201).send(vipView(caller, req.body.name ?? null, 'api'));
    },
  );

  app.delete<{ Params: { session: string; number: string } }>(
    '/api/sessions/:session/vips/:number',
    {
      config,
      schema: {
        summary: 'Removes a VIP added through the API (those of the config file stay)',
        tags,
        params: {
          type: 'object',
          required: ['session', 'number'],
          properties: { session: { type: 'string' }, number: { type: 'string' } },
        },
        response: { 204: { type: 'null', description: 'removed' }, ...apiErrors(404, 409) },
      },
    },
    async (req, reply) => {
      const s = sessionOf(req);
      const caller = normaliseChatId(req.params.number);
      if (s.vip.numbers.has(caller)) return sendError(reply, 'vipInConfig', caller, s.session);
      if (!(await removeVip(opts.store.db, s.session, caller))) return sendError(reply, 'notAVip', caller, s.session);
      return reply.code(204).send();
    },
  );
};
