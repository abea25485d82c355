import type { FastifyPluginAsync } from 'fastify';
import { normaliseChatId } from '../domain/jid.js';
import type { Sessions } from '../sessions.js';
import type { Store } from '../store/db.js';
import { addVip, listVips, removeVip } from '../store/vips.js';
import { sessionVips, vipView } from '../views/vips.js';
import { sendError } from './errors.js';

/** VIPs per session: the config file's, plus those added here at run time (persisted). */
export const vipRoutes: FastifyPluginAsync<{ store: Store; sessions: Pick<Sessions, 'get'> }> = async (app, opts) => {
  const sessionOf = (name: string) => opts.sessions.get(name);
  const params = { type: 'object', properties: { session: { type: 'string' }, number: { type: 'string' } } };

  app.get<{ Params: { session: string } }>(
    '/api/sessions/:session/vips',
    { schema: { params } },
    async (req, reply) => {
      const s = sessionOf(req.params.session);
      if (!s) return sendError(reply, 404, 'unknown_session', `unknown session "${req.params.session}"`);
      return { vips: sessionVips(s.vip.numbers, await listVips(opts.store.db, s.session)) };
    },
  );

  app.post<{ Params: { session: string }; Body: { number: string; name?: string } }>(
    '/api/sessions/:session/vips',
    {
      schema: {
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['number'],
          properties: {
            number: { type: 'string', minLength: 1, maxLength: 100 },
            name: { type: 'string', maxLength: 200 },
          },
        },
      },
    },
    async (req, reply) => {
      const s = sessionOf(req.params.session);
      if (!s) return sendError(reply, 404, 'unknown_session', `unknown session "${req.params.session}"`);
      if (!/\d/.test(req.body.number))
        return sendError(
          reply,
          400,
          'invalid_number',
          'body/number: expected a phone number like "+1 555 000 1111" or a chat id',
        );
      const caller = normaliseChatId(req.body.number);
      await addVip(opts.store.db, s.session, caller, req.body.name ?? null, Date.now());
      return reply.code(201).send(vipView(caller, req.body.name ?? null, 'api'));
    },
  );

  app.delete<{ Params: { session: string; number: string } }>(
    '/api/sessions/:session/vips/:number',
    { schema: { params } },
    async (req, reply) => {
      const s = sessionOf(req.params.session);
      if (!s) return sendError(reply, 404, 'unknown_session', `unknown session "${req.params.session}"`);
      const caller = normaliseChatId(req.params.number);
      if (s.vip.numbers.has(caller)) {
        return sendError(
          reply,
          409,
          'vip_in_config',
          `${caller} is a VIP in the config file (sessions.${s.session}.vip.numbers); remove it there`,
        );
      }
      if (!(await removeVip(opts.store.db, s.session, caller)))
        return sendError(reply, 404, 'not_found', `${caller} is not a VIP of session "${s.session}"`);
      return reply.code(204).send();
    },
  );
};
