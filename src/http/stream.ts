import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { LiveFeed } from '../alerts/liveFeed.js';
import { tokenMatches } from './api.js';
import { sendError } from './errors.js';

export interface StreamOptions {
  feed: LiveFeed;
  token: string | undefined;
  /** How often a comment line keeps idle connections (and proxies) open. */
  heartbeatMs?: number;
}

// A client this far behind is cut off; its EventSource reconnects with Last-Event-ID and catches up from the database.
const MAX_BUFFERED = 1 << 20;

/**
 * `GET /api/stream`: Server-Sent Events, one `call` event per call change, with the call as
 * `GET /api/calls` shows it. Event ids are feed positions, valid on every replica, so a client
 * that reconnects with `Last-Event-ID` (anywhere) misses nothing. EventSource can't set headers,
 * so the token may also come as `?token=`.
 */
export const streamRoutes: FastifyPluginAsync<StreamOptions> = async (app, opts) => {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  // A stream never ends by itself: on shutdown each is ended, and its EventSource reconnects
  // (to another replica) with its Last-Event-ID.
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get<{ Querystring: { token?: string } }>(
    '/api/stream',
    {
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: { token: { type: 'string' } } },
        headers: { type: 'object', properties: { 'last-event-id': { type: 'string', pattern: '^[0-9]{1,15}$' } } },
      },
    },
    async (req, reply) => {
      const { token } = opts;
      if (token) {
        const header = req.headers.authorization;
        const query = req.query.token;
        const given = header ?? (query === undefined ? undefined : `Bearer ${query}`);
        if (!tokenMatches(given, token)) {
          reply.header('www-authenticate', 'Bearer');
          const why = given ? 'the token is wrong' : 'Authorization: Bearer <token> (or ?token=) is required';
          return sendError(reply, 401, 'unauthorized', why);
        }
      }
      const lastEventId = req.headers['last-event-id'];
      const after = typeof lastEventId === 'string' ? Number(lastEventId) : null;

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx and similar proxies would otherwise buffer the stream.
        'x-accel-buffering': 'no',
      });
      const write = (chunk: string) => {
        if (res.writableLength > MAX_BUFFERED) res.destroy();
        else res.write(chunk);
      };
      const sub = opts.feed.subscribe(after, (m) => write(`id: ${m.id}\nevent: call\ndata: ${JSON.stringify(m.call)}\n\n`));
      // An id with no data moves the client's Last-Event-ID to "now" without raising an event,
      // so its first reconnect resumes from here rather than from nothing.
      if (after === null) write(`retry: 1000\nid: ${sub.position}\n\n`);
      else write('retry: 1000\n\n');
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
      open.add(res);
      res.on('close', () => {
        open.delete(res);
        clearInterval(heartbeat);
        sub.close();
      });
    },
  );
};
