import { mkdtempSync, rmSync } from 'node:fs';
import { sql } from 'kysely';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCallbridge, type Callbridge } from '../../src/server.js';
import { startSimGateway, type SimGateway } from '../../src/sim/gateway.js';
import { callReceived, eventId, postWebhook } from '../../src/sim/webhooks.js';
import type { Store } from '../../src/store/db.js';
import { API_KEY, HMAC_KEY, TOKEN, WAWP, testConfig, waitFor } from '../helpers/harness.js';
import { replicaConfig, startReplica, type Replica } from '../helpers/replica.js';
import { openStream, type SseClient } from '../helpers/sse.js';
import { PG_URL, createTestDatabase, type TestDatabase } from '../helpers/stores.js';

const pgOnly = describe.skipIf(!PG_URL);
const suffix = PG_URL ? '' : ' (PostgreSQL: set TEST_DATABASE_URL to run)';

interface Delivery {
  body: object;
  eventId: string;
  callId: string;
}

const ring = (from: string, callId: string): Delivery => {
  const id = eventId();
  return { body: callReceived({ from, callId, id }), eventId: id, callId };
};

pgOnly(`three callbridge processes on one PostgreSQL${suffix}`, () => {
  let tdb: TestDatabase;
  let gateway: SimGateway;
  let dir: string;
  let replicas: Replica[] = [];
  let store: Store;

  beforeEach(async () => {
    tdb = await createTestDatabase('postgres');
    dir = mkdtempSync(join(tmpdir(), 'callbridge-replicas-'));
    gateway = await startSimGateway({ apiKey: API_KEY, wawp: WAWP });
    const config = replicaConfig(tdb.url, gateway.url);
    replicas = await Promise.all(['a', 'b', 'c'].map((name) => startReplica(name, dir, config)));
    store = await tdb.open({ poolSize: 2 });
    // Three processes compiling the sources with tsx at once, beside the suite's other files.
  }, 60_000);
  afterEach(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await store.close();
    await gateway.close();
    await tdb.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Delivers to the given replica; a delivery that is not acknowledged goes again to `fallback`, as a gateway retries. */
  async function deliver(d: Delivery, to: Replica, fallback: Replica, acked: Set<string>): Promise<void> {
    for (const target of [to, fallback]) {
      const res = await postWebhook(`${target.url}/webhooks/local`, d.body, { hmacKey: HMAC_KEY }).catch(() => null);
      if (res && res.status >= 200 && res.status < 300) {
        acked.add(d.eventId);
        return;
      }
    }
    throw new Error(`event ${d.eventId} was acknowledged by neither replica`);
  }

  it('dedupe, debounce and ring timeouts hold across replicas, including after one is killed with SIGKILL', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const acked = new Set<string>();
    const calls = new Set<string>();
    const regulars = Array.from({ length: 6 }, (_, i) => `3100000000${i}@c.us`);

    // Burst 1: each regular caller rings 4 times (new call ids); every event is delivered twice, to two replicas.
    const burst1 = regulars.flatMap((from, i) => Array.from({ length: 4 }, (_, k) => ring(from, `r1-${i}-${k}`)));
    burst1.forEach((d) => calls.add(d.callId));
    await Promise.all(
      burst1.flatMap((d, i) => [deliver(d, replicas[i % 3]!, a, acked), deliver(d, replicas[(i + 1) % 3]!, a, acked)]),
    );
    await waitFor(
      'burst 1 redirects to be sent',
      async () => (await pendingRedirects(store)) === 0 && gateway.sent.length >= 6,
      10_000,
    );
    for (const from of regulars)
      expect(
        gateway.sent.filter((s) => s.chatId === from),
        from,
      ).toHaveLength(1);

    // Burst 2: the same callers again (inside the window: no redirect), plus new callers; C is killed halfway.
    const newcomers = Array.from({ length: 4 }, (_, i) => `3200000000${i}@c.us`);
    const burst2 = [...regulars, ...newcomers].flatMap((from, i) =>
      Array.from({ length: 3 }, (_, k) => ring(from, `r2-${i}-${k}`)),
    );
    burst2.forEach((d) => calls.add(d.callId));
    let answered = 0;
    const half = burst2.length;
    await Promise.all(
      burst2.flatMap((d, i) =>
        [replicas[i % 3]!, replicas[(i + 2) % 3]!].map(async (to) => {
          await deliver(d, to, a, acked);
          if (++answered === half) c.process.kill('SIGKILL');
        }),
      ),
    );
    await c.stop();

    // Every acknowledged event is stored.
    const stored = await store.db.selectFrom('events').select('event_id').where('gateway', '=', 'local').execute();
    const storedIds = new Set(stored.map((e) => e.event_id));
    expect([...acked].filter((id) => !storedIds.has(id))).toEqual([]);

    // Every call ends missed through its ring timeout, whichever replica armed or claimed it, and
    // every timer was taken (a timer fires once: taking its row is what fires it).
    await waitFor(
      'every call to be missed',
      async () =>
        (await store.db.selectFrom('calls').select('id').where('status', '=', 'missed').execute()).length ===
        calls.size,
      15_000,
    );
    expect(await store.db.selectFrom('timers').select('key').execute()).toEqual([]);

    // One redirect decided per caller in the window, and each delivered.
    await waitFor('every redirect to be settled', async () => (await pendingRedirects(store)) === 0, 10_000);
    const redirects = await store.db
      .selectFrom('actions')
      .select(['payload', 'status', 'last_error'])
      .where('kind', '=', 'sendRedirect')
      .execute();
    const chatOf = (r: { payload: string }) => (JSON.parse(r.payload) as { chatId: string }).chatId;
    expect(redirects.map(chatOf).sort()).toEqual([...regulars, ...newcomers].sort());
    // The regulars' one redirect went out before the kill: they were never messaged again.
    for (const from of regulars)
      expect(
        gateway.sent.filter((s) => s.chatId === from),
        from,
      ).toHaveLength(1);
    // No text goes twice, even a slow one past its lease: each is delivered once, or, when C died
    // with it on the wire, recorded as in doubt (sent once or never) and not sent again.
    for (const r of redirects) {
      const sends = gateway.sent.filter((s) => s.chatId === chatOf(r)).length;
      if (r.status === 'done') expect(sends, chatOf(r)).toBe(1);
      else {
        expect(r, chatOf(r)).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/^in doubt/) });
        expect(sends, chatOf(r)).toBeLessThanOrEqual(1);
      }
    }
    // Texts in doubt are logged as final failures, as an operator must see them; nothing else is.
    expect([...a.problems, ...b.problems].filter((line) => !/"error":"in doubt: /.test(line))).toEqual([]);
  }, 60_000);
});

async function pendingRedirects(store: Store): Promise<number> {
  const rows = await store.db.selectFrom('actions').select('id').where('status', '=', 'pending').execute();
  return rows.length;
}

pgOnly(`the live feed across two replicas on one PostgreSQL${suffix}`, () => {
  let tdb: TestDatabase;
  let gateway: SimGateway;
  let bridges: Callbridge[] = [];
  let client: SseClient | undefined;

  beforeEach(async () => {
    tdb = await createTestDatabase('postgres');
    gateway = await startSimGateway({ apiKey: API_KEY, wawp: WAWP });
    bridges = [];
    const config = testConfig('unused', gateway.url, { database: tdb.url });
    // No ring timeout within the test: A must learn of B's calls through the feed alone, not by firing B's timers.
    config.sessions.default!.ringTimeout = 60_000;
    for (let i = 0; i < 2; i++) bridges.push(await startCallbridge(config));
  });
  afterEach(async () => {
    client?.close();
    await Promise.all(bridges.map((b) => b.close()));
    await gateway.close();
    await tdb.drop();
  });

  it("a client of replica A, on a ticket from B, sees B's new call within a second, and resumes on B where it left A", async () => {
    const [a, b] = bridges as [Callbridge, Callbridge];
    // A browser behind the balancer may get its ticket from one replica and connect to another.
    const issued = await fetch(`${b.url}/api/stream/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const { ticket } = (await issued.json()) as { ticket: string };
    client = await openStream(`${a.url}/api/stream?ticket=${encodeURIComponent(ticket)}`);
    expect(client.status).toBe(200);
    await client.waitFor('the initial position', (s) => s.lastEventId !== undefined);

    const res = await postWebhook(
      `${b.url}/webhooks/local`,
      callReceived({ from: '4400000001@c.us', callId: 'on-b' }),
      { hmacKey: HMAC_KEY },
    );
    expect(res.status).toBe(200);
    await client.waitFor("B's call on A", (s) => s.calls().some((x) => x.callId === 'on-b'), 1000);

    await client.waitFor('the redirect sent by B, on A', (s) =>
      s.calls().some((x) => x.callId === 'on-b' && x.redirect.status === 'sent'),
    );
    const seen = client.lastEventId!;
    // On PostgreSQL a position names its transaction too.
    expect(seen).toMatch(/^[1-9][0-9]*-[0-9]+$/);
    client.close();
    await postWebhook(`${a.url}/webhooks/local`, callReceived({ from: '4400000002@c.us', callId: 'on-a' }), {
      hmacKey: HMAC_KEY,
    });
    client = await openStream(`${b.url}/api/stream`, { authorization: `Bearer ${TOKEN}`, 'last-event-id': seen });
    await client.waitFor("A's call, replayed by B", (s) => s.calls().some((x) => x.callId === 'on-a'));
    expect(client.calls().some((x) => x.callId === 'on-b' && x.redirect.status !== 'sent')).toBe(false);
  });

  it('keeps following the other replica after its LISTEN connection is killed', async () => {
    const [a, b] = bridges as [Callbridge, Callbridge];
    client = await openStream(`${a.url}/api/stream`, { authorization: `Bearer ${TOKEN}` });
    await client.waitFor('the initial position', (s) => s.lastEventId !== undefined);
    const { rows } = await sql<{ n: number }>`
      select count(pg_terminate_backend(pid)) as n from pg_stat_activity
      where datname = current_database() and query ilike ${`listen "callbridge_feed.${a.store.postgres!.schema}"`}`.execute(
      a.store.db,
    );
    expect(Number(rows[0]!.n)).toBe(2);

    await postWebhook(`${b.url}/webhooks/local`, callReceived({ from: '4400000003@c.us', callId: 'after-drop' }), {
      hmacKey: HMAC_KEY,
    });
    await client.waitFor(
      "B's call on A, through a new connection",
      (s) => s.calls().some((x) => x.callId === 'after-drop'),
      3000,
    );
  });
});
