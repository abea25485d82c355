import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { systemClock, type Clock } from '../lib/clock.js';
import { contactKey, field, lidJid } from './gateway/ids.js';
import { registerGatewayRoutes } from './gateway/routes.js';

export type SimApi = 'waha' | 'wawp' | 'evolution';
export type FailRoute = 'sendText' | 'reject' | 'contacts';
/** Requests the gateway can be told to hold unanswered. */
export type HangingRoute = 'sendText' | 'contacts';
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
  /** Holds every text sent unanswered (and unrecorded) until turned off: the gateway's pool stays full. */
  hangSends(on: boolean): void;
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
  const hung = { contacts: new Set<() => void>(), sendText: new Set<() => void>() };
  const hanging = { contacts: false, sendText: false };
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

  function releaseHung(kind: HangingRoute): void {
    for (const release of hung[kind]) release();
    hung[kind].clear();
  }

  function hang(kind: HangingRoute, on: boolean): void {
    hanging[kind] = on;
    if (!on) releaseHung(kind);
  }

  function whileHung(kind: HangingRoute): Promise<void> {
    return hanging[kind] ? new Promise((resolve) => hung[kind].add(resolve)) : Promise.resolve();
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

  registerGatewayRoutes(app, { clock, rejects, lids, intercept, error, recordSent, findContact, whileHung });

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
      hang('contacts', on);
    },
    hangSends(on) {
      hang('sendText', on);
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
      hang('contacts', false);
      hang('sendText', false);
    },
    close() {
      closing ??= app.close().then(() => {
        // Sockets are destroyed by now; releasing lets the hung handlers finish instead of leaking.
        hang('contacts', false);
        hang('sendText', false);
      });
      return closing;
    },
  };
  return gateway;
}
