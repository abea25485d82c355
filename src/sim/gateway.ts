import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { systemClock, type Clock } from '../lib/clock.js';

export type SimApi = 'waha' | 'wawp' | 'evolution';
export type FailRoute = 'sendText' | 'reject' | 'contacts';
export type SimRoute =
  | 'waha.sendText'
  | 'waha.reject'
  | 'waha.contacts'
  | 'waha.lids'
  | 'wawp.sendText'
  | 'wawp.reject'
  | 'wawp.contacts'
  | 'evolution.sendText'
  | 'evolution.contacts';

export interface SimGatewayOptions {
  port?: number;
  host?: string;
  apiKey?: string;
  wawp?: { instanceId: string; accessToken: string };
  /** Evolution API's `apikey` header. */
  evolution?: { apiKey: string };
  /** Stamps what it records and answers (`at`, message timestamps); tests pass callbridge's. */
  clock?: Clock;
}

/** A text the gateway accepted (answered 2xx); failed attempts are only counted in `requests`. */
export interface SentText {
  api: SimApi;
  session?: string;
  instanceId?: string;
  chatId: string;
  text: string;
  at: number;
}

/** A call reject the gateway accepted (answered 2xx). */
export interface SimReject {
  api: SimApi;
  session?: string;
  instanceId?: string;
  from: string;
  id: string;
  at: number;
}

/** Every authorised contact lookup, including ones that then fail, hang or find nothing. */
export interface SimLookup {
  api: SimApi;
  contactId: string;
  at: number;
}

export interface SimContact {
  name?: string;
  pushname?: string;
}

export interface SimGateway {
  readonly url: string;
  readonly sent: SentText[];
  readonly rejects: SimReject[];
  readonly lookups: SimLookup[];
  /** Every request that reached a route, whatever it was answered. */
  readonly requests: Record<SimRoute, number>;
  waitFor(predicate: (g: SimGateway) => boolean, timeoutMs?: number): Promise<void>;
  /** Returns an unsubscribe function. */
  onSent(cb: (sent: SentText) => void): () => void;
  setContact(idOrNumber: string, c: SimContact): void;
  /** Answer for `GET /api/:session/lids/:lid`; unknown LIDs answer `pn: null`. */
  setLid(lid: string, pn: string | null): void;
  failNext(route: FailRoute, n: number, status?: number, opts?: { retryAfter?: string }): void;
  hangContacts(on: boolean): void;
  setDown(on: boolean): void;
  /** Clears recordings and failure modes; contacts, LIDs and listeners stay. */
  reset(): void;
  close(): Promise<void>;
}

interface PendingFailure {
  remaining: number;
  status: number;
  retryAfter?: string;
}

const ROUTES: readonly SimRoute[] = [
  'waha.sendText',
  'waha.reject',
  'waha.contacts',
  'waha.lids',
  'wawp.sendText',
  'wawp.reject',
  'wawp.contacts',
  'evolution.sendText',
  'evolution.contacts',
];

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function field(obj: unknown, key: string): string | undefined {
  return typeof obj === 'object' && obj !== null ? str((obj as Record<string, unknown>)[key]) : undefined;
}

/** Phone JIDs and bare numbers share one key so either form finds the contact. */
function contactKey(idOrNumber: string): string {
  const s = idOrNumber.trim();
  const at = s.indexOf('@');
  if (at === -1) return s.replace(/^\+/, '');
  const server = s.slice(at + 1);
  return server === 'c.us' || server === 's.whatsapp.net' ? s.slice(0, at) : s;
}

function lidJid(lid: string): string {
  return lid.includes('@') ? lid : `${lid}@lid`;
}

export async function startSimGateway(opts: SimGatewayOptions = {}): Promise<SimGateway> {
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.clock ?? systemClock;
  const sent: SentText[] = [];
  const rejects: SimReject[] = [];
  const lookups: SimLookup[] = [];
  const requests = Object.fromEntries(ROUTES.map((r) => [r, 0])) as Record<SimRoute, number>;
  const listeners = new Set<(s: SentText) => void>();
  const contacts = new Map<string, SimContact>();
  const lids = new Map<string, string | null>();
  const failures = new Map<FailRoute, PendingFailure>();
  const hung = new Set<() => void>();
  let hanging = false;
  let down = false;
  let closing: Promise<void> | undefined;

  // Closing must not wait for hung contact lookups or keep-alive clients.
  const app = Fastify({ logger: false, forceCloseConnections: true });

  // Clients often send the JSON content type on body-less POSTs (Wawp takes everything in the query).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      Object.assign(err as Error, { statusCode: 400 });
      done(err as Error, undefined);
    }
  });

  function releaseHung(): void {
    for (const release of hung) release();
    hung.clear();
  }

  function whileHung(): Promise<void> {
    return hanging ? new Promise((resolve) => hung.add(resolve)) : Promise.resolve();
  }

  function authorised(api: SimApi, req: FastifyRequest): boolean {
    if (api === 'waha') return opts.apiKey === undefined || req.headers['x-api-key'] === opts.apiKey;
    if (api === 'evolution') return opts.evolution === undefined || req.headers.apikey === opts.evolution.apiKey;
    const q = req.query;
    return (
      opts.wawp === undefined ||
      (field(q, 'instance_id') === opts.wawp.instanceId && field(q, 'access_token') === opts.wawp.accessToken)
    );
  }

  function error(reply: FastifyReply, status: number, message: string): FastifyReply {
    return reply.code(status).send({ statusCode: status, error: 'SimGateway', message });
  }

  /** Counts the request and answers it when auth or an injected failure says so; true = handled. */
  function intercept(route: SimRoute, req: FastifyRequest, reply: FastifyReply, fail?: FailRoute): boolean {
    requests[route]++;
    const api = route.split('.')[0] as SimApi;
    if (!authorised(api, req)) {
      error(reply, 401, api === 'wawp' ? 'invalid instance_id or access_token' : 'invalid or missing API key');
      return true;
    }
    if (fail === undefined) return false;
    if (route.endsWith('.contacts')) {
      // WAHA and Wawp ask in the query; Evolution asks with `{ where: { id } }`.
      const contactId =
        field(req.query, 'contactId') ?? field((req.body as { where?: unknown } | undefined)?.where, 'id');
      if (contactId !== undefined) lookups.push({ api, contactId, at: clock.now() });
    } else if (down) {
      error(reply, 503, 'gateway is down');
      return true;
    }
    const pending = failures.get(fail);
    if (pending === undefined) return false;
    if (--pending.remaining <= 0) failures.delete(fail);
    if (pending.retryAfter !== undefined) reply.header('Retry-After', pending.retryAfter);
    error(reply, pending.status, `simulated ${fail} failure`);
    return true;
  }

  function recordSent(s: SentText): void {
    sent.push(s);
    for (const cb of listeners) cb(s);
  }

  function findContact(contactId: string): { key: string; c: SimContact } | undefined {
    const key = contactKey(contactId);
    const c = contacts.get(key);
    return c === undefined ? undefined : { key, c };
  }

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
    await whileHung();
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

  app.post('/api/sendText', async (req, reply) => {
    if (intercept('waha.sendText', req, reply, 'sendText')) return reply;
    const chatId = field(req.body, 'chatId');
    const text = field(req.body, 'text');
    if (chatId === undefined || text === undefined) return error(reply, 400, 'chatId and text are required');
    const session = field(req.body, 'session') ?? 'default';
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
    await whileHung();
    if (req.socket.destroyed) return reply.hijack();
    const found = findContact(id);
    return reply.send(
      found === undefined ? [] : [{ id, remoteJid: id, pushName: found.c.pushname ?? found.c.name ?? null }],
    );
  });

  await app.listen({ port: opts.port ?? 0, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('SimGateway: no TCP address');

  const gateway: SimGateway = {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    sent,
    rejects,
    lookups,
    requests,
    async waitFor(predicate, timeoutMs = 5000) {
      // A test's deadline: real time, whatever the clock says.
      const deadline = performance.now() + timeoutMs;
      while (!predicate(gateway)) {
        if (performance.now() >= deadline) {
          throw new Error(
            `SimGateway.waitFor: condition not met within ${timeoutMs} ms ` +
              `(sent=${sent.length}, rejects=${rejects.length}, lookups=${lookups.length})`,
          );
        }
        await sleep(10);
      }
    },
    onSent(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    setContact(idOrNumber, c) {
      contacts.set(contactKey(idOrNumber), { ...c });
    },
    setLid(lid, pn) {
      lids.set(lidJid(lid), pn);
    },
    failNext(route, n, status = 503, failOpts = {}) {
      if (n <= 0) failures.delete(route);
      else failures.set(route, { remaining: n, status, ...failOpts });
    },
    hangContacts(on) {
      hanging = on;
      if (!on) releaseHung();
    },
    setDown(on) {
      down = on;
    },
    reset() {
      sent.length = 0;
      rejects.length = 0;
      lookups.length = 0;
      for (const r of ROUTES) requests[r] = 0;
      failures.clear();
      down = false;
      hanging = false;
      releaseHung();
    },
    close() {
      closing ??= app.close().then(() => {
        // Sockets are destroyed by now; releasing lets the hung handlers finish instead of leaking.
        hanging = false;
        releaseHung();
      });
      return closing;
    },
  };
  return gateway;
}
