import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signWaha } from '../../src/sim/webhooks.js';
import { DRAIN_LIMIT } from '../../src/http/rawBody.js';
import { HMAC_KEY, startHarness, waitFor, type Harness } from '../helpers/harness.js';

const huge = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes) });

interface Client {
  socket: Socket;
  received(): string;
  closed(): boolean;
  failed(): Error | null;
}

function open(url: string): Promise<Client> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let received = '';
    let closed = false;
    let failed: Error | null = null;
    const socket = connect(Number(port), hostname);
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('error', (err) => (failed = err));
    socket.on('close', () => (closed = true));
    socket.once('connect', () =>
      resolve({ socket, received: () => received, closed: () => closed, failed: () => failed }),
    );
    socket.once('error', reject);
  });
}

const write = (c: Client, data: string) => new Promise<void>((done) => c.socket.write(data, () => done()));

describe('a body over http.bodyLimit', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it("is answered 413 in JSON that Node's fetch can read, every time", async () => {
    for (let i = 0; i < 10; i++) {
      const body = huge(200 * 1024);
      const res = await fetch(`${h.bridge.url}/webhooks/local`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-hmac': signWaha(body, HMAC_KEY) },
        body,
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        code: 'body_too_large',
        message: 'the body is larger than http.bodyLimit (65536 bytes); webhooks are a few KB',
      });
    }
  });

  it('is read to its end before the answer, so the client is never cut off mid-write', async () => {
    const c = await open(h.bridge.url);
    const size = 200 * 1024;
    await write(
      c,
      `POST /webhooks/local HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`,
    );
    for (let sent = 0; sent < size; sent += 20 * 1024) {
      // Whatever the server was going to do with what it has, it has done by the time it answers another client.
      expect((await fetch(`${h.bridge.url}/healthz`)).status).toBe(200);
      expect(c.received(), `answered after ${sent} bytes`).toBe('');
      await write(c, 'x'.repeat(Math.min(20 * 1024, size - sent)));
    }
    await waitFor('the 413', () => c.received().includes('"code":"body_too_large"'));
    expect(c.received()).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    // Then closed cleanly: an end, not a reset, with the whole answer read.
    await waitFor('the close', () => c.closed());
    expect(c.failed()).toBeNull();
    expect(JSON.parse(c.received().split('\r\n\r\n')[1]!)).toMatchObject({ statusCode: 413 });
  });

  it(`past ${DRAIN_LIMIT} bytes more is not read: answered at once, and the connection closed`, async () => {
    const c = await open(h.bridge.url);
    await write(
      c,
      `POST /webhooks/local HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${65_536 + DRAIN_LIMIT + 1}\r\n\r\n`,
    );
    await waitFor('the 413 and the close', () => c.closed());
    expect(c.received()).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(c.received().toLowerCase()).toContain('connection: close');
  });
});
