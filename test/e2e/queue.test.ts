import { describe, expect, it } from 'vitest';
import { callAccepted, callReceived, messageReceived } from '../../src/sim/webhooks.js';
import { comparePositions, parsePosition } from '../../src/store/feedPosition.js';
import { TOKEN, testConfig, useHarness, waitFor, type Harness } from '../helpers/harness.js';
import { openStream } from '../helpers/sse.js';

const ANA = 'ana-token-0123456789';
const BO = 'bo-token-0123456789';
const BO_OLD = 'bo-old-token-0123456789';
const CALLER = '15550001111@c.us';

interface Item {
  id: number;
  caller: string;
  number: string | null;
  name: string | null;
  kind: string;
  state: string;
  message: string | null;
  claimedBy: string | null;
  doneBy: string | null;
  resolution: string | null;
  note: string | null;
  calls: Array<{ callId: string; status: string }>;
}

/** A request to the API with someone's token, as the dashboard makes it. */
async function api<T = Item>(h: Harness, path: string, opts: { token?: string; method?: string; body?: object } = {}) {
  const res = await fetch(h.bridge.url + path, {
    method: opts.method ?? 'GET',
    headers: {
      authorization: `Bearer ${opts.token ?? TOKEN}`,
      ...(opts.body ? { 'content-type': 'application/json' } : {}),
    },
    body: opts.body ? JSON.stringify(opts.body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as T & { code?: string; message?: string } };
}

const queue = async (h: Harness, query = '') =>
  (await api<{ items: Item[]; nextCursor: string | null }>(h, `/api/queue${query}`)).body.items;

/** Waits for the queue (as the API lists it) to satisfy `check`. */
const queueWhere = (h: Harness, what: string, check: (items: Item[]) => boolean, query = '') =>
  waitFor(what, async (): Promise<Item[] | null> => {
    const items = await queue(h, query);
    return check(items) ? items : null;
  });

/** A call nobody answers: it rings, and the clock moves past the 1s ring timeout. */
async function missedCall(h: Harness, callId: string, from = CALLER) {
  await h.post(callReceived({ from, callId }));
  h.clock.advance('2s');
  await waitFor(`call ${callId} to be missed`, async () => {
    const { body } = await h.api<{ calls: Array<{ callId: string; status: string }> }>('/api/calls');
    return body.calls.some((c) => c.callId === callId && c.status === 'missed');
  });
}

describe('the work queue', () => {
  const h = useHarness((db, gw) =>
    testConfig(db, gw, {
      api: { token: TOKEN, agents: { ana: { token: ANA }, bo: { token: [BO_OLD, BO] } } },
      sessions: {
        default: {
          gateway: 'local',
          ringTimeout: '1s',
          vip: { numbers: ['15550009999'] },
          frustration: { elevated: 2, stressed: 3 },
        },
      },
    }),
  );

  it('a missed call opens an item with its call; a second missed call of the caller joins it', async () => {
    await missedCall(h, 'first');
    const [item] = await queueWhere(h, 'the item', (items) => items.length === 1);
    expect(item).toMatchObject({
      caller: CALLER,
      number: '15550001111',
      kind: 'missed',
      state: 'open',
      claimedBy: null,
      calls: [{ callId: 'first', status: 'missed' }],
    });
    await missedCall(h, 'second');
    const [joined] = await queueWhere(h, 'the join', (items) => items[0]?.calls.length === 2);
    expect(joined).toMatchObject({ id: item!.id, kind: 'missed' });
    expect(joined!.calls.map((c) => c.callId)).toEqual(['first', 'second']);
    expect(await queue(h)).toHaveLength(1);
  });

  it('a VIP call opens a vip item as it rings, ahead of missed calls', async () => {
    await missedCall(h, 'plain', '15550002222@c.us');
    await h.post(callReceived({ from: '15550009999@c.us', callId: 'vip' }));
    const items = await queueWhere(h, 'both items', (list) => list.length === 2);
    expect(items.map((i) => [i.kind, i.calls[0]?.callId])).toEqual([
      ['vip', 'vip'],
      ['missed', 'plain'],
    ]);
  });

  it('a stressed caller who writes gets a p1 item with the message, open until an agent closes it', async () => {
    for (const id of ['s1', 's2', 's3']) await h.post(callReceived({ from: CALLER, callId: id }));
    await h.post(messageReceived({ from: CALLER, body: 'Why does nobody answer?' }));
    const [p1] = await queueWhere(h, 'the p1 item', (items) => items[0]?.kind === 'p1');
    expect(p1).toMatchObject({ kind: 'p1', message: 'Why does nobody answer?', state: 'open' });
    // The calls go missed and join it; it stays p1, and shows the caller's latest text.
    h.clock.advance('2s');
    await h.post(messageReceived({ from: CALLER, body: 'Hello??' }));
    const [later] = await queueWhere(h, 'the calls to join', (items) => items[0]?.calls.length === 3);
    expect(later).toMatchObject({ id: p1!.id, kind: 'p1', message: 'Hello??', state: 'open' });
    const done = await api(h, `/api/queue/${p1!.id}/done`, { method: 'POST', body: { resolution: 'called_back' } });
    expect(done).toMatchObject({ status: 200, body: { state: 'done', doneBy: 'admin', resolution: 'called_back' } });
    expect(await queue(h)).toEqual([]);
  });

  it('two agents: one claim wins, the other is told who has it; release, claim, done', async () => {
    await missedCall(h, 'agents');
    const [item] = await queueWhere(h, 'the item', (items) => items.length === 1);
    const at = (op: string) => `/api/queue/${item!.id}/${op}`;

    expect(await api(h, at('claim'), { method: 'POST', token: ANA })).toMatchObject({
      status: 200,
      body: { state: 'claimed', claimedBy: 'ana' },
    });
    expect(await api(h, at('claim'), { method: 'POST', token: BO })).toMatchObject({
      status: 409,
      body: { code: 'already_claimed', message: 'ana has claimed this item' },
    });
    expect(await api(h, at('release'), { method: 'POST', token: BO })).toMatchObject({
      status: 409,
      body: { code: 'not_holder' },
    });
    expect(await api(h, at('release'), { method: 'POST', token: ANA })).toMatchObject({
      status: 200,
      body: { state: 'open', claimedBy: null },
    });
    // Bo's older token still works while it is being rotated out.
    expect(await api(h, at('claim'), { method: 'POST', token: BO_OLD })).toMatchObject({
      status: 200,
      body: { claimedBy: 'bo' },
    });
    const done = await api(h, at('done'), {
      method: 'POST',
      token: ANA,
      body: { resolution: 'no_action', note: 'wrong number' },
    });
    expect(done).toMatchObject({
      status: 200,
      body: { state: 'done', doneBy: 'ana', resolution: 'no_action', note: 'wrong number' },
    });
    expect(await api(h, at('done'), { method: 'POST', body: { resolution: 'replied' } })).toMatchObject({
      status: 409,
      body: { code: 'already_done' },
    });
    expect(await api(h, at('claim'), { method: 'POST', token: BO })).toMatchObject({ status: 409 });
    expect((await queue(h, '?state=done')).map((i) => i.id)).toEqual([item!.id]);
    expect(await api(h, '/api/queue/999/claim', { method: 'POST' })).toMatchObject({
      status: 404,
      body: { code: 'not_found' },
    });
  });

  it('a reply typed on the business phone closes the item; a text callbridge sent does not', async () => {
    await missedCall(h, 'webjs', '15550003333@c.us');
    await missedCall(h, 'noweb', '15550004444@c.us');
    await queueWhere(h, 'both items', (items) => items.length === 2);

    await h.post(messageReceived({ from: '15550003333@c.us', fromMe: true, source: 'api', body: 'redirect' }));
    await h.post(messageReceived({ from: '15550004444@c.us', fromMe: true, source: 'api', body: 'redirect' }));
    // Acknowledged means committed: had they closed anything, it would show now.
    expect((await queue(h)).map((i) => i.state)).toEqual(['open', 'open']);
    // WEBJS names the caller in `to`; NOWEB in `from`.
    await h.post(messageReceived({ from: '15550003333@c.us', fromMe: true, body: 'Hi, Ana here' }));
    await h.post(messageReceived({ from: '15550004444@c.us', fromMe: true, body: 'Hi', engine: 'NOWEB' }));
    const done = await queueWhere(h, 'both closed', (items) => items.length === 2, '?state=done');
    for (const item of done) expect(item).toMatchObject({ state: 'done', doneBy: 'phone', resolution: 'replied' });
    expect(await queue(h)).toEqual([]);
  });

  it("keeps the gateway's echo of a text callbridge sent as a summary: it acts on nothing", async () => {
    const res = await h.post(
      messageReceived({ from: '15550005555@c.us', fromMe: true, source: 'api', body: 'Hi! We saw you calling.' }),
    );
    expect(res.json).toMatchObject({ status: 'ignored' });
    const [row] = await h.bridge.store.db.selectFrom('events').select(['outcome', 'body']).execute();
    expect(row).toMatchObject({ outcome: 'ignored' });
    expect(row!.body).not.toContain('We saw you calling');
  });

  it('closes itself as auto when a later call of the caller is answered', async () => {
    await missedCall(h, 'm1');
    await queueWhere(h, 'the missed call item', (items) => items.length === 1);
    await h.post(callReceived({ from: CALLER, callId: 'm2' }));
    await h.post(callAccepted({ from: CALLER, callId: 'm2' }));
    const [item] = await queueWhere(h, 'the item done', (items) => items[0]?.state === 'done', '?state=done');
    expect(item).toMatchObject({ doneBy: 'phone', resolution: 'auto' });
    expect(await queue(h)).toEqual([]);
  });

  it('streams every change as a `queue` event, to an agent', async () => {
    const stream = await openStream(`${h.bridge.url}/api/stream`, { authorization: `Bearer ${ANA}` });
    try {
      expect(stream.status).toBe(200);
      await stream.waitFor('the initial position', (s) => s.lastEventId !== undefined);
      await missedCall(h, 'streamed');
      const queued = () => stream.events.filter((e) => e.event === 'queue').map((e) => JSON.parse(e.data) as Item);
      const opened = await stream.waitFor('the open item', () => queued().find((i) => i.state === 'open'));
      expect(opened).toEqual((await queue(h))[0]);
      const openedAt = stream.events.find((e) => e.event === 'queue')!.id!;
      await api(h, `/api/queue/${opened.id}/claim`, { method: 'POST', token: BO });
      await stream.waitFor('the claim', () => queued().some((i) => i.claimedBy === 'bo'));
      // Calls keep their own events.
      expect(stream.calls().some((c) => c.callId === 'streamed')).toBe(true);

      // Resuming after the opening gets the claim, and not the opening again.
      const resumed = await openStream(`${h.bridge.url}/api/stream`, {
        authorization: `Bearer ${ANA}`,
        'last-event-id': openedAt,
      });
      try {
        const claim = await resumed.waitFor('the claim, resumed', (s) => s.events.find((e) => e.event === 'queue'));
        expect(JSON.parse(claim.data)).toMatchObject({ id: opened.id, claimedBy: 'bo' });
        expect(comparePositions(parsePosition(claim.id!)!, parsePosition(openedAt)!)).toBeGreaterThan(0);
      } finally {
        resumed.close();
      }
    } finally {
      stream.close();
    }
  });

  it("an agent's token opens the API; /api/me says whose it is", async () => {
    expect(await api(h, '/api/calls', { token: ANA })).toMatchObject({ status: 200 });
    expect((await api(h, '/api/me', { token: BO })).body).toEqual({ agent: 'bo' });
    expect((await api(h, '/api/me')).body).toEqual({ agent: 'admin' });
    expect(await api(h, '/api/me', { token: 'not-a-token-0123456789' })).toMatchObject({ status: 401 });
  });
});
