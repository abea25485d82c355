import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN, RESOLUTIONS, type Resolution } from '../domain/workItems.js';
import type { EventPipeline } from '../pipeline/index.js';
import type { Store } from '../store/db.js';
import { findWorkItems, listWorkItems, type QueueState } from '../store/queue.js';
import type { QueueCommand, WorkItemRow } from '../store/workItems.js';
import { parseQueueCursor, queueCursor, workItemView } from '../views/queue.js';
import { sendError } from './errors.js';
import { apiErrors } from './schemas/errors.js';
import { queueStates } from './schemas/queue.js';
import { addSharedSchemas } from './schemas/views.js';
import type { ApiTokens } from './tokens.js';

export interface QueueRouteOptions {
  store: Store;
  /** Claims and closes are writes: on SQLite they go to the writer thread like every other. */
  pipeline: EventPipeline;
  tokens: ApiTokens;
}

const tags = ['queue'];
const itemParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } };
const itemResponse = { 200: { $ref: 'WorkItem#' }, ...apiErrors(404, 409) };

/** The agents' work queue: what needs a person, who has it, and how it was closed. */
export const queueRoutes: FastifyPluginAsync<QueueRouteOptions> = async (app, opts) => {
  addSharedSchemas(app);
  // With no token configured anyone may act, and is recorded as the admin.
  const agentOf = (req: FastifyRequest) => opts.tokens.agentOf(req.headers.authorization) ?? ADMIN;

  app.get(
    '/api/me',
    {
      schema: {
        summary: "Who the request's token is: an agent's name, admin, or null when no token is configured",
        tags,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['agent'],
            properties: { agent: { type: ['string', 'null'] } },
          },
          ...apiErrors(),
        },
      },
    },
    async (req) => ({ agent: opts.tokens.required ? agentOf(req) : null }),
  );

  app.get<{ Querystring: { session?: string; state?: QueueState; limit: number; cursor?: string } }>(
    '/api/queue',
    {
      schema: {
        summary: 'Work items: open and claimed by priority then age (oldest first), or done (latest first)',
        tags,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            session: { type: 'string', minLength: 1 },
            state: { type: 'string', enum: queueStates, description: 'without it: open and claimed' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: {
              type: 'string',
              pattern: '^[0-9]+(\\.[0-9]+){1,2}$',
              description: 'nextCursor of the page before',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['items', 'nextCursor'],
            properties: {
              items: { type: 'array', items: { $ref: 'WorkItem#' } },
              nextCursor: { type: ['string', 'null'], description: 'null on the last page' },
            },
          },
          ...apiErrors(),
        },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const done = q.state === 'done';
      const after = q.cursor === undefined ? undefined : parseQueueCursor(q.cursor, done);
      if (q.cursor !== undefined && after === undefined)
        return sendError(reply, 'invalidRequest', 'querystring/cursor: not a cursor of this listing (its state)');
      const stored = await listWorkItems(opts.store.db, { session: q.session, state: q.state, limit: q.limit, after });
      const last = stored.at(-1);
      return {
        items: stored.map(workItemView),
        nextCursor: stored.length === q.limit && last ? queueCursor(last, done) : null,
      };
    },
  );

  /** Runs the command; answers with the item as it now is, or why it was refused. */
  const run = async (reply: FastifyReply, cmd: QueueCommand) => {
    const outcome = await opts.pipeline.updateQueue(cmd);
    if (!outcome.ok) return refuse(reply, cmd, outcome.item);
    const [item] = await findWorkItems(opts.store.db, [cmd.id]);
    return item ? workItemView(item) : sendError(reply, 'noSuchWorkItem', cmd.id);
  };

  app.post<{ Params: { id: number } }>(
    '/api/queue/:id/claim',
    {
      schema: {
        summary: 'Takes an item: one agent wins, the others get 409 naming who has it',
        tags,
        params: itemParams,
        response: itemResponse,
      },
    },
    (req, reply) => run(reply, { op: 'claim', id: req.params.id, agent: agentOf(req) }),
  );

  app.post<{ Params: { id: number } }>(
    '/api/queue/:id/release',
    {
      schema: {
        summary: 'Gives a claimed item back to the queue (its holder, or the admin)',
        tags,
        params: itemParams,
        response: itemResponse,
      },
    },
    (req, reply) => run(reply, { op: 'release', id: req.params.id, agent: agentOf(req) }),
  );

  app.post<{ Params: { id: number }; Body: { resolution: Resolution; note?: string } }>(
    '/api/queue/:id/done',
    {
      schema: {
        summary: 'Closes an item with how it was resolved (any agent)',
        tags,
        params: itemParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['resolution'],
          properties: {
            resolution: { type: 'string', enum: RESOLUTIONS },
            note: { type: 'string', maxLength: 2000 },
          },
        },
        response: itemResponse,
      },
    },
    (req, reply) =>
      run(reply, {
        op: 'done',
        id: req.params.id,
        agent: agentOf(req),
        resolution: req.body.resolution,
        note: req.body.note ?? null,
      }),
  );
};

function refuse(reply: FastifyReply, cmd: QueueCommand, item: WorkItemRow | null) {
  if (item === null) return sendError(reply, 'noSuchWorkItem', cmd.id);
  if (item.done_at !== null) return sendError(reply, 'itemDone', item.done_by ?? ADMIN, item.resolution ?? 'done');
  if (cmd.op === 'claim') return sendError(reply, 'alreadyClaimed', item.claimed_by ?? ADMIN);
  if (item.claimed_by === null) return sendError(reply, 'notClaimed');
  return sendError(reply, 'notTheHolder', item.claimed_by);
}
