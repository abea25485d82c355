import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import type { FailRoute, HangingRoute, SentText, SimContact, SimReject, SimRoute } from '../gateway.js';
import { field, lidJid } from './ids.js';

/** What the routes share with the gateway that holds their state and injects their faults. */
export interface GatewayContext {
  clock: Clock;
  rejects: SimReject[];
  lids: ReadonlyMap<string, string | null>;
  /** Counts the request and answers it when auth or an injected failure says so; true = handled. */
  intercept(route: SimRoute, req: FastifyRequest, reply: FastifyReply, fail?: FailRoute): boolean;
  error(reply: FastifyReply, status: number, message: string): FastifyReply;
  recordSent(s: SentText): void;
  findContact(contactId: string): { key: string; c: SimContact } | undefined;
  /** Resolves at once, or when requests of that kind stop hanging. */
  whileHung(kind: HangingRoute): Promise<void>;
}

/** The WAHA (`/api`), Wawp (`/v2`) and Evolution API routes callbridge's clients call. */
export function registerGatewayRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  const { clock, rejects, lids, intercept, error, recordSent, findContact, whileHung } = ctx;

  /** Shared by both APIs: validates, hangs when asked, then finds the contact or answers 404. */
  async function lookup(
    route: SimRoute,
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ id: string; number: string | null; c: SimContact } | undefined> {
    if (intercept(route, req, reply, 'contacts')) return undefined;
    const contactId = field(req.query, 'contactId');
    if (contactId === undefined) {
      error(reply, 400, 'contactId is required');
      return undefined;
    }
    await whileHung('contacts');
    if (req.socket.destroyed) {
      // Released by close(): the socket is gone, so nothing can be answered.
      reply.hijack();
      return undefined;
    }
    const found = findContact(contactId);
    if (found === undefined) {
      error(reply, 404, `contact ${contactId} not found`);
      return undefined;
    }
    const isPhone = !found.key.includes('@');
    return { id: isPhone ? `${found.key}@c.us` : found.key, number: isPhone ? found.key : null, c: found.c };
  }

  /** Waits while sends hang; false when the socket went meanwhile (the gateway closed), and nothing was sent. */
  async function sendsReleased(req: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    await whileHung('sendText');
    if (!req.socket.destroyed) return true;
    reply.hijack();
    return false;
  }

  app.post('/api/sendText', async (req, reply) => {
    if (intercept('waha.sendText', req, reply, 'sendText')) return reply;
    const chatId = field(req.body, 'chatId');
    const text = field(req.body, 'text');
    if (chatId === undefined || text === undefined) return error(reply, 400, 'chatId and text are required');
    const session = field(req.body, 'session') ?? 'default';
    if (!(await sendsReleased(req, reply))) return reply;
    recordSent({ api: 'waha', session, chatId, text, at: clock.now() });
    const id = `true_${chatId}_${randomBytes(10).toString('hex').toUpperCase()}`;
    return reply.code(201).send({
      id,
      timestamp: Math.floor(clock.now() / 1000),
      fromMe: true,
      to: chatId,
      body: text,
      hasMedia: false,
      ack: 1,
    });
  });

  app.post<{ Params: { session: string } }>('/api/:session/calls/reject', async (req, reply) => {
    if (intercept('waha.reject', req, reply, 'reject')) return reply;
    const from = field(req.body, 'from');
    const id = field(req.body, 'id');
    if (from === undefined || id === undefined) return error(reply, 400, 'from and id are required');
    rejects.push({ api: 'waha', session: req.params.session, from, id, at: clock.now() });
    return reply.code(201).send({});
  });

  app.get('/api/contacts', async (req, reply) => {
    const found = await lookup('waha.contacts', req, reply);
    if (found === undefined) return reply;
    const { id, number, c } = found;
    return reply.send({
      id,
      number,
      name: c.name ?? null,
      pushname: c.pushname ?? null,
      shortName: c.name?.split(' ')[0] ?? null,
      isMe: false,
      isGroup: false,
      isWAContact: true,
      isMyContact: c.name !== undefined,
      isBlocked: false,
    });
  });

  app.get<{ Params: { session: string; lid: string } }>('/api/:session/lids/:lid', async (req, reply) => {
    if (intercept('waha.lids', req, reply)) return reply;
    const lid = lidJid(req.params.lid);
    return reply.send({ lid, pn: lids.get(lid) ?? null });
  });

  app.post('/v2/send/text', async (req, reply) => {
    if (intercept('wawp.sendText', req, reply, 'sendText')) return reply;
    const chatId = field(req.query, 'chatId') ?? field(req.body, 'chatId');
    const text = field(req.query, 'message') ?? field(req.body, 'message');
    if (chatId === undefined || text === undefined) return error(reply, 400, 'chatId and message are required');
    const instanceId = field(req.query, 'instance_id');
    if (!(await sendsReleased(req, reply))) return reply;
    recordSent({ api: 'wawp', ...(instanceId === undefined ? {} : { instanceId }), chatId, text, at: clock.now() });
    const id = `true_${chatId}_${randomBytes(10).toString('hex').toUpperCase()}`;
    return reply.send({ status: 'success', message: 'Message sent', data: { id, chatId } });
  });

  app.post('/v2/calls/reject', async (req, reply) => {
    if (intercept('wawp.reject', req, reply, 'reject')) return reply;
    const id = field(req.body, 'callId');
    const from = field(req.body, 'from');
    if (from === undefined || id === undefined) return error(reply, 400, 'callId and from are required');
    const instanceId = field(req.query, 'instance_id');
    rejects.push({ api: 'wawp', ...(instanceId === undefined ? {} : { instanceId }), from, id, at: clock.now() });
    return reply.send({ status: 'success' });
  });

  app.get('/v2/contacts', async (req, reply) => {
    const found = await lookup('wawp.contacts', req, reply);
    if (found === undefined) return reply;
    const { id, number, c } = found;
    return reply.send({ id, number, name: c.name ?? null, pushname: c.pushname ?? null });
  });

  app.post<{ Params: { instance: string } }>('/message/sendText/:instance', async (req, reply) => {
    if (intercept('evolution.sendText', req, reply, 'sendText')) return reply;
    const number = field(req.body, 'number');
    const text = field(req.body, 'text');
    if (number === undefined || text === undefined) return error(reply, 400, 'number and text are required');
    // Evolution takes a bare number for phone chats; recorded as the chat id the others use.
    const chatId = number.includes('@') ? number : `${number}@c.us`;
    if (!(await sendsReleased(req, reply))) return reply;
    recordSent({ api: 'evolution', session: req.params.instance, chatId, text, at: clock.now() });
    return reply.code(201).send({
      key: { remoteJid: chatId, fromMe: true, id: randomBytes(10).toString('hex').toUpperCase() },
      status: 'PENDING',
    });
  });

  app.post<{ Params: { instance: string } }>('/chat/findContacts/:instance', async (req, reply) => {
    if (intercept('evolution.contacts', req, reply, 'contacts')) return reply;
    const where = (req.body as { where?: { id?: unknown } } | undefined)?.where;
    const id = typeof where?.id === 'string' ? where.id : undefined;
    if (id === undefined) return error(reply, 400, 'where.id is required');
    await whileHung('contacts');
    if (req.socket.destroyed) return reply.hijack();
    const found = findContact(id);
    return reply.send(
      found === undefined ? [] : [{ id, remoteJid: id, pushName: found.c.pushname ?? found.c.name ?? null }],
    );
  });
}
