import Fastify from 'fastify';
import type { CallerProfile } from '../domain/types.js';
import { systemClock, type Clock } from '../lib/clock.js';

/** A request an alert channel received. `raw` is the body exactly as sent, for signature checks. */
export interface Received {
  headers: Record<string, string | undefined>;
  raw: string;
  json: unknown;
  at: number;
}

/**
 * What sits on the other side of callbridge's alerts: a Slack incoming webhook, a CRM's event
 * endpoint and its caller lookup. Records what arrives; fails or hangs on demand.
 */
export interface SimReceivers {
  readonly url: string;
  /** `POST /slack` */
  readonly slack: Received[];
  /** `POST /crm/events`: the signed CRM stream. */
  readonly events: Received[];
  /** `GET /crm/lookup` queries. */
  readonly lookups: Array<{ number: string; chatId: string; session: string }>;
  /** Every request to the event endpoint, answered or failed. */
  eventAttempts: number;
  setProfile(number: string, profile: CallerProfile): void;
  /** While down, the Slack and CRM endpoints answer 503. */
  setDown(channel: 'slack' | 'events', on: boolean): void;
  hangLookups(on: boolean): void;
  waitFor(what: string, predicate: (r: SimReceivers) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** `clock` stamps what arrives (`at`); tests pass callbridge's. */
export async function startSimReceivers({ clock = systemClock }: { clock?: Clock } = {}): Promise<SimReceivers> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  const profiles = new Map<string, CallerProfile>();
  const down = { slack: false, events: false };
  let hanging = false;
  const hung = new Set<() => void>();

  const record = (req: { headers: Record<string, string | string[] | undefined>; body: unknown }): Received => {
    const raw = typeof req.body === 'string' ? req.body : '';
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
    );
    return { headers, raw, json, at: clock.now() };
  };

  const r: SimReceivers = {
    url: '',
    slack: [],
    events: [],
    lookups: [],
    eventAttempts: 0,
    setProfile: (number, profile) => profiles.set(number.replace(/\D/g, ''), profile),
    setDown: (channel, on) => {
      down[channel] = on;
    },
    hangLookups: (on) => {
      hanging = on;
      if (!on) for (const release of hung) release();
    },
    async waitFor(what, predicate, timeoutMs = 5000) {
      // A test's deadline: real time, whatever the clock says.
      const deadline = performance.now() + timeoutMs;
      while (!predicate(r)) {
        if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
        await new Promise((res) => setTimeout(res, 10));
      }
    },
    async close() {
      for (const release of hung) release();
      await app.close();
    },
  };

  app.post('/slack', async (req, reply) => {
    if (down.slack) return reply.code(503).send('service_unavailable');
    r.slack.push(record(req));
    return reply.type('text/plain').send('ok');
  });
  app.post('/crm/events', async (req, reply) => {
    r.eventAttempts++;
    if (down.events) return reply.code(503).send({ error: 'down for maintenance' });
    r.events.push(record(req));
    return reply.code(204).send();
  });
  app.get<{ Querystring: { number?: string; chatId?: string; session?: string } }>(
    '/crm/lookup',
    async (req, reply) => {
      const q = { number: req.query.number ?? '', chatId: req.query.chatId ?? '', session: req.query.session ?? '' };
      r.lookups.push(q);
      if (hanging) await new Promise<void>((resolve) => hung.add(resolve));
      const profile = profiles.get(q.number);
      return profile ? profile : reply.code(404).send({ error: 'unknown caller' });
    },
  );

  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return Object.assign(r, { url: `http://127.0.0.1:${port}` });
}
