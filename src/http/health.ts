import { sql } from 'kysely';
import type { FastifyPluginAsync } from 'fastify';
import type { EventPipeline } from '../pipeline/index.js';
import type { Store } from '../store/db.js';
import { sendError } from './errors.js';
import { errors } from './schemas/errors.js';
import { addSharedSchemas } from './schemas/views.js';

const schema = {
  summary: 'Whether the database answers and its writer runs',
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
};

export const healthRoutes: FastifyPluginAsync<{ store: Store; pipeline: EventPipeline }> = async (app, opts) => {
  addSharedSchemas(app);
  app.get('/healthz', { schema }, async (_req, reply) => {
    const failure = opts.pipeline.failure;
    if (failure) return sendError(reply, 'databaseUnavailable', failure.message);
    try {
      await sql`select 1`.execute(opts.store.db);
      return { status: 'ok', database: opts.store.dialect };
    } catch (err) {
      return sendError(reply, 'databaseUnavailable', `database unavailable: ${(err as Error).message}`);
    }
  });
};
