import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimGateway, type SimGateway } from '../../src/sim/gateway.js';
import { callReceived, eventId, postWebhook } from '../../src/sim/webhooks.js';
import type { Store } from '../../src/store/db.js';
import { API_KEY, HMAC_KEY, WAWP, waitFor } from '../helpers/harness.js';
import { replicaConfig, startReplica, type Replica } from '../helpers/replica.js';
import { PG_URL, createTestDatabase, type TestDatabase } from '../helpers/stores.js';

const pgOnly = describe.skipIf(!PG_URL);
const suffix = PG_URL ? '' : ' (skipped: PostgreSQL only, set TEST_DATABASE_URL to run)';

/** The gateway's pool: at most this many sends are on the wire per replica at any moment. */
const POOL = 16;
const KILLS = 3;
const CALLS_PER_SECOND = 50;
/** Webhooks outstanding at once: the load stays bounded when the replicas slow down. */
const MAX_OUTSTANDING = 200;
/** Sends made between a (re)start and the next kill: the killed replica is dispatching at full rate. */
const SENDS_BEFORE_KILL = 100;

/** No ring timeout within the test (only the redirects are dispatched), and no lookups. */
const killConfig = (databaseUrl: string, gatewayUrl: string) =>
  replicaConfig(databaseUrl, gatewayUrl, {
    gateway: { connections: POOL },
    session: { ringTimeout: '10m', contactLookup: { enabled: false } },
  });

pgOnly(`SIGKILLed replicas under load on one PostgreSQL${suffix}`, () => {
  let tdb: TestDatabase;
  let gateway: SimGateway;
  let dir: string;
  let store: Store;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    tdb = await createTestDatabase('postgres');
    dir = mkdtempSync(join(tmpdir(), 'callbridge-kill-'));
    gateway = await startSimGateway({ apiKey: API_KEY, wawp: WAWP });
    const config = killConfig(tdb.url, gateway.url);
    replicas.push(...(await Promise.all(['a', 'b', 'c'].map((name) => startReplica(name, dir, config, 40_000)))));
    store = await tdb.open({ poolSize: 2 });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await store?.close();
    await gateway?.close();
    await tdb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`sends at most the gateway pool (${POOL}) twice per kill, and loses nothing acknowledged`, async () => {
    const config = killConfig(tdb.url, gateway.url);
    const acked = new Map<string, string>();
    const alive = new Set(replicas);
    let n = 0;
    let outstanding = 0;
    let refused = 0;

    /** One new caller, one call, to a live replica; not acknowledged there, it goes to another, as a gateway retries. */
    async function ringOnce(): Promise<void> {
      const i = n++;
      const chatId = `49${String(i).padStart(9, '0')}@c.us`;
      const body = callReceived({ from: chatId, callId: `kill-${i}`, id: eventId() });
      for (let tries = 0; tries < 5; tries++) {
        const live = [...alive];
        const to = live[(i + tries) % live.length]!;
        const res = await postWebhook(`${to.url}/webhooks/local`, body, { hmacKey: HMAC_KEY }).catch(() => null);
        if (res && res.status >= 200 && res.status < 300) {
          acked.set(`kill-${i}`, chatId);
          return;
        }
      }
      refused++;
    }
    const perTick = CALLS_PER_SECOND / 20;
    const load = setInterval(() => {
      for (let k = 0; k < perTick && outstanding < MAX_OUTSTANDING; k++) {
        outstanding++;
        void ringOnce().finally(() => outstanding--);
      }
    }, 50);

    const duplicates = () => {
      const count = new Map<string, number>();
      for (const s of gateway.sent) count.set(s.chatId, (count.get(s.chatId) ?? 0) + 1);
      let d = 0;
      for (const c of count.values()) d += c - 1;
      return d;
    };
    const inDoubt = async () => {
      const row = await store.db
        .selectFrom('actions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('last_error', 'like', 'in doubt%')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };
    const perKill: number[] = [];
    const doubtsPerKill: number[] = [];
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        const victim = replicas[2]!;
        const from = gateway.sent.length;
        await waitFor(
          'the replica to dispatch at full rate',
          () => gateway.sent.length >= from + SENDS_BEFORE_KILL,
          15_000,
        );
        const before = duplicates();
        const doubtsBefore = await inDoubt();
        alive.delete(victim);
        victim.process.kill('SIGKILL');
        await victim.stop();
        const killedAt = Date.now();
        // Everything decided before the kill is settled once the victim's leases have run out and been taken over.
        await waitFor(
          "the victim's actions to be taken over and settled",
          async () => {
            const row = await store.db
              .selectFrom('actions')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('status', '=', 'pending')
              .where('created_at', '<=', killedAt)
              .executeTakeFirstOrThrow();
            return Number(row.n) === 0;
          },
          40_000,
        );
        perKill.push(duplicates() - before);
        doubtsPerKill.push((await inDoubt()) - doubtsBefore);
        const restarted = await startReplica('c', dir, config, 40_000);
        replicas[2] = restarted;
        alive.add(restarted);
      }
    } finally {
      clearInterval(load);
    }
    await waitFor('the load to end', () => outstanding === 0, 15_000);
    console.log(
      `per SIGKILL: duplicate sends ${perKill.join(', ')}; texts recorded in doubt ${doubtsPerKill.join(', ')}` +
        ` (pool ${POOL}, ${acked.size} calls acknowledged)`,
    );

    expect(refused).toBe(0);
    await waitFor(
      'every action to be settled',
      async () =>
        (await store.db.selectFrom('actions').select('id').where('status', '=', 'pending').execute()).length === 0,
      15_000,
    );
    // Nothing acknowledged is lost: each call has its redirect delivered, or a recorded reason why not.
    const redirects = await store.db
      .selectFrom('actions')
      .select(['call_id', 'status', 'last_error'])
      .where('kind', '=', 'sendRedirect')
      .execute();
    const byCall = new Map(redirects.map((r) => [r.call_id, r]));
    const delivered = new Set(gateway.sent.map((s) => s.chatId));
    const lost = [...acked].filter(([callId, chatId]) => {
      const r = byCall.get(callId);
      if (!r) return true;
      if (r.status === 'done') return !delivered.has(chatId);
      return r.last_error === null;
    });
    expect(lost).toEqual([]);
    for (const d of perKill) expect(d).toBeLessThanOrEqual(POOL);
    // The texts in doubt are logged as final failures, as an operator must see them; nothing else is.
    expect(
      replicas
        .slice(0, 2)
        .flatMap((r) => r.problems)
        .filter((line) => !/"error":"in doubt: /.test(line)),
    ).toEqual([]);
  }, 150_000);
});
