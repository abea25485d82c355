import type { FastifyPluginAsync } from 'fastify';
import type { Sessions } from '../sessions.js';
import { listCallerSessions } from '../store/callers.js';
import type { Store } from '../store/db.js';
import { sessionView } from '../views/sessions.js';
import { apiErrors } from './schemas/errors.js';
import { addSharedSchemas, sessionSchema } from './schemas/views.js';

const schema = {
  summary: 'Every session callbridge serves, with its place in the gateway and its last call',
  tags: ['sessions'],
  response: {
    200: {
      type: 'object',
      required: ['sessions'],
      properties: { sessions: { type: 'array', items: sessionSchema } },
    },
    ...apiErrors(),
  },
};

/**
 * `GET /api/sessions`: every session callbridge serves: those the config names, and those of `*`
 * entries that have had a caller, each with its place in the gateway and its last call.
 */
export const sessionRoutes: FastifyPluginAsync<{ store: Store; sessions: Sessions }> = async (app, opts) => {
  addSharedSchemas(app);
  app.get('/api/sessions', { schema }, async () => {
    const seen = new Map((await listCallerSessions(opts.store.db)).map((s) => [s.session, s]));
    const ids = [...new Set([...opts.sessions.named, ...seen.keys()])].sort();
    return {
      // History of a session no longer in the config stays in /api/calls; it is not served.
      sessions: ids.flatMap((id) => {
        const entry = opts.sessions.entry(id);
        return entry ? [sessionView(id, entry, seen.get(id)?.lastCallAt ?? null)] : [];
      }),
    };
  });
};
