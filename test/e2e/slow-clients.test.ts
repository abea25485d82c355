import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { callReceived } from '../../src/sim/webhooks.js';
import { startHarness, testConfig, waitFor, type Harness } from '../helpers/harness.js';

/** A raw client socket and everything it has been told, until the server closes it. */
interface Client {
  socket: Socket;
  received(): string;
  closed(): boolean;
}

function open(url: string): Promise<Client> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let received = '';
    let closed = false;
    const socket = connect(Number(port), hostname);
    socket.on('data', (d: Buffer) => (received += d.toString()));
    // A refused or reset socket is closed too; which of the two does not matter here.
    socket.on('error', () => {});
    socket.on('close', () => (closed = true));
    socket.once('connect', () => resolve({ socket, received: () => received, closed: () => closed }));
    socket.once('error', reject);
  });
}

/** Writes a byte now and then until the server closes the socket: the slowloris. */
function trickle(c: Client, byte: string, every = 50) {
  const timer = setInterval(() => (c.closed() ? clearInterval(timer) : c.socket.write(byte)), every);
  timer.unref();
}

const webhookHead = (length: number) =>
  `POST /webhooks/local HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('slow clients', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('get 408 and are closed once http.requestTimeout passes, while webhooks and /healthz are answered', async () => {
    h = await startHarness((db, url) =>
      testConfig(db, url, { http: { host: '127.0.0.1', port: 0, requestTimeout: '300ms', warmUp: 0 } }),
    );
    const slow = await Promise.all(Array.from({ length: 12 }, () => open(h.bridge.url)));
    for (const [i, c] of slow.entries()) {
      if (i % 3 === 0) continue; // says nothing at all
      // Headers, one letter of a header's name at a time; or a body, a space at a time.
      if (i % 3 === 1) c.socket.write('POST /webhooks/local HTTP/1.1\r\nHost: x\r\nX-');
      else c.socket.write(`${webhookHead(1_000)}{`);
      trickle(c, i % 3 === 1 ? 'a' : ' ');
    }
    // Meanwhile everyone else is served.
    expect((await h.post(callReceived({ from: '15550001111@c.us' }))).status).toBe(200);
    expect((await fetch(`${h.bridge.url}/healthz`)).status).toBe(200);

    await waitFor('every slow client to be closed', () => slow.every((c) => c.closed()));
    for (const c of slow) {
      expect(c.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      const body = JSON.parse(c.received().split('\r\n\r\n')[1]!) as { code: string; message: string };
      expect(body).toEqual({
        statusCode: 408,
        error: 'Request Timeout',
        code: 'request_timeout',
        message: 'the request did not arrive in full within 300ms (http.requestTimeout)',
      });
    }
    expect((await h.post(callReceived({ from: '15550002222@c.us' }))).status).toBe(200);
  });

  it('past http.maxConnections are refused at once, while the open ones keep working', async () => {
    h = await startHarness((db, url) =>
      testConfig(db, url, { http: { host: '127.0.0.1', port: 0, maxConnections: 4, warmUp: 0 } }),
    );
    const held = await Promise.all(Array.from({ length: 4 }, () => open(h.bridge.url)));
    const refused = await open(h.bridge.url);
    await waitFor('the fifth socket to be refused', () => refused.closed());
    expect(refused.received()).toBe('');

    // An open one still gets answers.
    held[0]!.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor('/healthz on a held socket', () => held[0]!.received().includes('\r\n\r\n{'));
    expect(held[0]!.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);

    // Once one goes, a new one gets its place.
    held[1]!.socket.destroy();
    const next = await waitFor('a socket to be accepted again', async () => {
      const c = await open(h.bridge.url);
      c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      await waitFor('an answer or a refusal', () => c.closed());
      return c.received().startsWith('HTTP/1.1 200') ? c : null;
    });
    expect(next.received()).toContain('"status":"ok"');
    for (const c of held) c.socket.destroy();
  });
});
