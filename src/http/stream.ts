import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { FeedSubscription, LiveFeed } from '../feed/liveFeed.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { formatPosition, parsePosition, POSITION_PATTERN } from '../store/feedPosition.js';
import { sendError } from './errors.js';
import { apiErrors } from './schemas/errors.js';
import { addSharedSchemas } from './schemas/views.js';
import type { ApiTokens } from './tokens.js';

export interface StreamOptions {
  feed: LiveFeed;
  /** Who may open the stream (the admin's token or an agent's); none configured, anyone. */
  tokens?: ApiTokens;
  /** How often a comment line keeps idle connections (and proxies) open. */
  heartbeatMs?: number;
  /** Ticket expiry is read from it; the machine's when the stream is served on its own. */
  clock?: Clock;
  /** The API's rate limit (the stream's), and the tickets' own, counted apart. */
  limits?: { api: onRequestHookHandler; tickets: onRequestHookHandler };
}

/** How long a stream ticket lets a browser (re)connect. */
const TICKET_TTL = 5 * 60_000;

/**
 * Stream tickets: an EventSource can't send a header, and the API token in its URL would end up in
 * every proxy's access log. A ticket is an expiry signed with a key derived from the token: it
 * opens the stream only, for minutes, on every replica that has the same token, with nothing stored.
 */
export function streamTickets(token: string | undefined, ttlMs: number) {
  const key = token ? createHmac('sha256', token).update('callbridge stream ticket').digest() : randomBytes(32);
  const sign = (expiry: string) => createHmac('sha256', key).update(expiry).digest();
  return {
    issue(now: number): { ticket: string; expiresAt: string } {
      const expiresAt = now + ttlMs;
      const expiry = expiresAt.toString(36);
      return {
        ticket: `${expiry}.${sign(expiry).toString('base64url')}`,
        expiresAt: new Date(expiresAt).toISOString(),
      };
    },
    /** Why the ticket does not open the stream, or null when it does. */
    refuse(ticket: string, now: number): string | null {
      const [expiry = '', mac = ''] = ticket.split('.');
      const given = Buffer.from(mac, 'base64url');
      const want = sign(expiry);
      if (given.length !== want.length || !timingSafeEqual(given, want)) return 'the ticket is not valid';
      return parseInt(expiry, 36) > now ? null : 'the ticket has expired; ask POST /api/stream/tickets for a new one';
    },
  };
}

// A client this far behind is cut off; its EventSource reconnects with Last-Event-ID and catches up from the database.
const MAX_BUFFERED = 1 << 20;

/**
 * `GET /api/stream`: Server-Sent Events, one `call` event per call change, with the call as
 * `GET /api/calls` shows it, and one `queue` event per work item change, with the item as
 * `GET /api/queue` shows it. Event ids are feed positions, valid on every replica, so a client
 * that reconnects with `Last-Event-ID` (anywhere) misses nothing. It takes the API token as a
 * header, or a ticket (`POST /api/stream/tickets`) as `?ticket=`, since EventSource can't set headers.
 */
export const streamRoutes: FastifyPluginAsync<StreamOptions> = async (app, opts) => {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  addSharedSchemas(app);
  const clock = opts.clock ?? systemClock;
  const tokens = opts.tokens;
  const tickets = streamTickets(tokens?.admin, TICKET_TTL);
  const unauthorized = (reply: FastifyReply, why: string) => {
    reply.header('www-authenticate', 'Bearer');
    return sendError(reply, 'unauthorized', why);
  };
  /** Why the request's bearer token is refused (`missing` when it has none), or null. */
  const refuseToken = (req: FastifyRequest, missing: string) => {
    const header = req.headers.authorization;
    if (!tokens?.required || tokens.agentOf(header) !== null) return null;
    return header ? 'the bearer token is wrong' : missing;
  };
  // A stream never ends by itself: on shutdown each is ended, and its EventSource reconnects
  // (to another replica) with its Last-Event-ID.
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  const limited = (...hooks: Array<onRequestHookHandler | undefined>) => hooks.filter((h) => h !== undefined);

  app.post(
    '/api/stream/tickets',
    {
      // One limit per request (@fastify/rate-limit runs the first only): the tickets' own.
      onRequest: limited(opts.limits?.tickets),
      schema: {
        summary: 'A ticket that opens the live stream for minutes (an EventSource cannot send the token)',
        tags: ['stream'],
        response: {
          201: {
            type: 'object',
            required: ['ticket', 'expiresAt'],
            properties: { ticket: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } },
          },
          ...apiErrors(),
        },
      },
    },
    async (req, reply) => {
      const refused = refuseToken(req, 'Authorization: Bearer <token> is required');
      if (refused) return unauthorized(reply, refused);
      return reply.code(201).send(tickets.issue(clock.now()));
    },
  );

  app.get<{ Querystring: { ticket?: string; token?: string } }>(
    '/api/stream',
    {
      onRequest: limited(opts.limits?.api),
      schema: {
        summary:
          'Server-Sent Events: one `call` event per call change (the call as GET /api/calls shows it), one `queue` event per work item change (as GET /api/queue shows it)',
        tags: ['stream'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ticket: { type: 'string', maxLength: 200 }, token: { type: 'string' } },
        },
        headers: {
          type: 'object',
          properties: {
            'last-event-id': {
              type: 'string',
              pattern: POSITION_PATTERN,
              description: 'the `id` of the last event received (`<id>` or `<tx>-<id>`): the stream resumes after it',
            },
          },
        },
        response: {
          200: {
            description: "the stream; a `call` event's data is a CallSummary, a `queue` event's a WorkItem",
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...apiErrors(),
        },
      },
    },
    async (req, reply) => {
      if (tokens?.required) {
        const { ticket } = req.query;
        // Said plainly, for clients written when the stream took it.
        if (req.query.token !== undefined)
          return unauthorized(
            reply,
            'the token is not taken in the URL (it would be logged); send it as Authorization: Bearer, or pass ?ticket= from POST /api/stream/tickets',
          );
        const refused =
          ticket === undefined
            ? refuseToken(req, 'Authorization: Bearer <token>, or ?ticket= from POST /api/stream/tickets, is required')
            : tickets.refuse(ticket, clock.now());
        if (refused) return unauthorized(reply, refused);
      }
      const lastEventId = req.headers['last-event-id'];
      // The schema has checked its form.
      const after = typeof lastEventId === 'string' ? parsePosition(lastEventId) : null;

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
      // Changes handed out before the first line is written wait for it: that line's id must not
      // move the client's Last-Event-ID back past them.
      let early: string[] | null = [];
      const send = (chunk: string) => (early ? early.push(chunk) : write(chunk));
      let sub: FeedSubscription | null = null;
      let closed = false;
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
      open.add(res);
      res.on('close', () => {
        closed = true;
        open.delete(res);
        clearInterval(heartbeat);
        sub?.close();
      });
      try {
        sub = await opts.feed.subscribe(
          after,
          (m) =>
            send(
              m.item === undefined
                ? `id: ${formatPosition(m.position)}\nevent: call\ndata: ${JSON.stringify(m.call)}\n\n`
                : `id: ${formatPosition(m.position)}\nevent: queue\ndata: ${JSON.stringify(m.item)}\n\n`,
            ),
          // The feed cannot catch this client up: its EventSource reconnects with Last-Event-ID and tries again.
          () => res.end(),
        );
      } catch (err) {
        // Where the feed is could not be read (the database is down): the client reconnects and tries again.
        req.log.warn({ err }, 'the live feed could not start a stream');
        res.end();
        return;
      }
      if (closed) {
        sub.close();
        return;
      }
      // An id with no data moves the client's Last-Event-ID to "now" without raising an event,
      // so its first reconnect resumes from here rather than from nothing.
      if (after === null) write(`retry: 1000\nid: ${formatPosition(sub.position)}\n\n`);
      else write('retry: 1000\n\n');
      for (const chunk of early) write(chunk);
      early = null;
    },
  );
};
