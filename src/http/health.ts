import { sql } from 'kysely';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { EventPipeline } from '../pipeline/index.js';
import type { Store } from '../store/db.js';
import { sendError } from './errors.js';
import { errors } from './schemas/errors.js';
import { addSharedSchemas } from './schemas/views.js';

/** Whether the server can take full load yet: false while the warm-up runs (see warmUp.ts). */
export interface Readiness {
  warmingUp: boolean;
}

const schema = (summary: string) => ({
  summary,
  tags: ['operations'],
  security: [],
  response: {
    200: {
      type: 'object',
      required: ['status', 'database'],
      properties: { status: { type: 'string', enum: ['ok'] }, database: { type: 'string' } },
    },
    ...errors(500, 503),
  },
});

export const healthRoutes: FastifyPluginAsync<{ store: Store; pipeline: EventPipeline; readiness: Readiness }> = async (
  app,
  opts,
) => {
  addSharedSchemas(app);
  const check = async (_req: unknown, reply: FastifyReply) => {
    const failure = opts.pipeline.failure;
    if (failure) return sendError(reply, 'databaseUnavailable', failure.message);
    if (opts.readiness.warmingUp) return sendError(reply, 'warmingUp');
    try {
      await sql`select 1`.execute(opts.store.db);
      return { status: 'ok', database: opts.store.dialect };
    } catch (err) {
      return sendError(reply, 'databaseUnavailable', `database unavailable: ${(err as Error).message}`);
    }
  };
  // One answer under two names: /healthz as before, /readyz where a load balancer expects it.
  app.get(
    '/healthz',
    { schema: schema('Whether the database answers, its writer runs and the warm-up is done') },
    check,
  );
  app.get('/readyz', { schema: schema('Whether this replica can take full load (for load balancers)') }, check);
};
