import { sql } from 'kysely';
import type { FastifyPluginAsync } from 'fastify';
import type { EventPipeline } from '../pipeline/index.js';
import type { Store } from '../store/db.js';
import { sendError } from './errors.js';

export const healthRoutes: FastifyPluginAsync<{ store: Store; pipeline: EventPipeline }> = async (app, opts) => {
  app.get('/healthz', async (_req, reply) => {
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
