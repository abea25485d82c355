import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimGateway, type SimGateway } from '../../src/sim/gateway.js';
import { callReceived, postWebhook } from '../../src/sim/webhooks.js';
import { API_KEY, HMAC_KEY, TOKEN, WAWP, waitFor } from '../helpers/harness.js';
import { replicaConfig, startReplica, type Replica } from '../helpers/replica.js';
import { openStream } from '../helpers/sse.js';
import { PG_URL, createTestDatabase, type TestDatabase } from '../helpers/stores.js';

const ANA = 'ana-token-0123456789';
const BO = 'bo-token-0123456789';

interface Item {
  id: number;
  caller: string;
  claimedBy: string | null;
}

const pgOnly = describe.skipIf(!PG_URL);
const suffix = PG_URL ? '' : ' (PostgreSQL: set TEST_DATABASE_URL to run)';

pgOnly(`the work queue on two replicas of one PostgreSQL${suffix}`, () => {
  let tdb: TestDatabase;
  let gateway: SimGateway;
  let dir: string;
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    tdb = await createTestDatabase('postgres');
    dir = mkdtempSync(join(tmpdir(), 'callbridge-queue-replicas-'));
    gateway = await startSimGateway({ apiKey: API_KEY, wawp: WAWP });
    const config = {
      ...replicaConfig(tdb.url, gateway.url),
      api: { token: TOKEN, agents: { ana: { token: ANA }, bo: { token: BO } } },
    };
    [a, b] = await Promise.all([startReplica('a', dir, config), startReplica('b', dir, config)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await gateway?.close();
    await tdb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (r: Replica, path: string, token: string, method = 'POST') =>
    fetch(r.url + path, { method, headers: { authorization: `Bearer ${token}` } });

  /** A call to replica A that nobody answers: after the 1s ring timeout (real time here), its item is on B. */
  async function missedItem(from: string): Promise<Item> {
    const res = await postWebhook(`${a.url}/webhooks/local`, callReceived({ from }), { hmacKey: HMAC_KEY });
    expect(res.status).toBe(200);
    return waitFor(
      `the item of ${from} on replica B`,
      async () => {
        const list = (await (await call(b, '/api/queue', TOKEN, 'GET')).json()) as { items: Item[] };
        return list.items.find((i) => i.caller === from);
      },
      10_000,
    );
  }

  it("a claim on replica A is a queue event on replica B's stream within a second", async () => {
    const item = await missedItem('15550001111@c.us');
    const stream = await openStream(`${b.url}/api/stream`, { authorization: `Bearer ${BO}` });
    try {
      await stream.waitFor('the initial position', (s) => s.lastEventId !== undefined);
      expect((await call(a, `/api/queue/${item.id}/claim`, ANA)).status).toBe(200);
      const claimed = await stream.waitFor(
        'the claim, on B',
        (s) =>
          s.events
            .filter((e) => e.event === 'queue')
            .map((e) => JSON.parse(e.data) as Item)
            .find((i) => i.id === item.id && i.claimedBy === 'ana'),
        1000,
      );
      expect(claimed).toMatchObject({ caller: '15550001111@c.us' });
    } finally {
      stream.close();
    }
  });

  it('two agents claiming one item at once on two replicas: one 200, one 409 naming the winner', async () => {
    const item = await missedItem('15550002222@c.us');
    const [onA, onB] = await Promise.all([
      call(a, `/api/queue/${item.id}/claim`, ANA),
      call(b, `/api/queue/${item.id}/claim`, BO),
    ]);
    expect([onA.status, onB.status].sort()).toEqual([200, 409]);
    const [won, lost] = onA.status === 200 ? [onA, onB] : [onB, onA];
    const winner = ((await won.json()) as Item).claimedBy;
    expect(await lost.json()).toMatchObject({ code: 'already_claimed', message: `${winner} has claimed this item` });
  });
});
