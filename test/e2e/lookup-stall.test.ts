import { createServer, request, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOOKUP_CONNECTIONS } from '../../src/lib/http.js';
import { callReceived } from '../../src/sim/webhooks.js';
import { startHarness, testConfig, waitFor, type Harness } from '../helpers/harness.js';

interface Wire {
  url: string;
  /** Contact lookups open at the simulated gateway right now. */
  contactsOpen: number;
  /**
   * The most there were at once until the first one closed (a hung one is dropped at its budget).
   * Not after: the gateway sees a dropped lookup's connection close a moment after callbridge has
   * freed its place in the pool and opened the next one.
   */
  contactsPeakBeforeClose: number;
  contactsClosed: number;
  /** Connections that carried both a contact lookup and a send: there must be none. */
  shared: number;
  close(): Promise<void>;
}

/**
 * Sits between callbridge and the simulated gateway, so the test sees what reaches the gateway on
 * which connection: a lookup is open from its request until its answer or until callbridge drops it.
 */
async function startWire(upstream: () => string): Promise<Wire> {
  const agent = new Agent({ keepAlive: true });
  const uses = new Map<object, Set<string>>();
  const wire: Wire = {
    url: '',
    contactsOpen: 0,
    contactsPeakBeforeClose: 0,
    contactsClosed: 0,
    shared: 0,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const kind = req.url?.startsWith('/api/contacts') ? 'contacts' : req.url === '/api/sendText' ? 'send' : 'other';
    const used = uses.get(req.socket) ?? new Set<string>();
    uses.set(req.socket, used);
    used.add(kind);
    if (used.has('contacts') && used.has('send')) wire.shared++;
    if (kind === 'contacts') {
      wire.contactsOpen++;
      if (wire.contactsClosed === 0)
        wire.contactsPeakBeforeClose = Math.max(wire.contactsPeakBeforeClose, wire.contactsOpen);
      res.once('close', () => {
        wire.contactsOpen--;
        wire.contactsClosed++;
      });
    }
    const up = request(new URL(req.url!, upstream()), { method: req.method, headers: req.headers, agent }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.once('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  wire.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  wire.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    agent.destroy();
  };
  return wire;
}

interface CallsBody {
  calls: Array<{ redirect: { status: string } | null }>;
}

describe('a contacts endpoint that hangs', () => {
  let h: Harness;
  let wire: Wire;
  let simUrl = '';
  beforeEach(async () => {
    wire = await startWire(() => simUrl);
    h = await startHarness((dbFile, gatewayUrl) => {
      simUrl = gatewayUrl;
      return testConfig(dbFile, wire.url);
    });
  });
  afterEach(async () => {
    await h.close();
    await wire.close();
  });

  it('holds no redirect: 50 callers are each answered, lookups stay in their own small pool', async () => {
    h.gateway.hangContacts(true);
    const callers = Array.from({ length: 50 }, (_, i) => `5550${String(i).padStart(7, '0')}@c.us`);
    const answers = await Promise.all(callers.map((from) => h.post(callReceived({ from }))));
    expect(answers.every((r) => r.status === 200)).toBe(true);

    // Before, 16 hung lookups held every connection for the 10s timeout and the sends queued behind them.
    await h.gateway.waitFor((g) => g.sent.length === callers.length, 5000);
    expect(new Set(h.gateway.sent.map((s) => s.chatId))).toEqual(new Set(callers));
    await h.settled();
    const { body } = await h.api<CallsBody>('/api/calls?limit=100');
    expect(body.calls.map((c) => c.redirect?.status)).toEqual(callers.map(() => 'sent'));

    expect(h.gateway.lookups.length).toBeGreaterThan(0);
    // The lookups filled their own pool, and no more.
    expect(wire.contactsPeakBeforeClose).toBe(LOOKUP_CONNECTIONS);
    expect(wire.shared).toBe(0);
    // Each lookup was dropped at its budget, so none is left holding a connection.
    await waitFor('hung lookups to be dropped', () => wire.contactsOpen === 0);
  });
});
