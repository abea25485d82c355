import { afterEach, describe, expect, it } from 'vitest';
import { callReceived } from '../../src/sim/webhooks.js';
import { startHarness, testConfig, waitFor, type Harness } from '../helpers/harness.js';
import { PG_URL } from '../helpers/stores.js';

interface Detail {
  call: { redirect: { status: string; attempts: number } };
  actions: Array<{
    kind: string;
    status: string;
    attempts: number;
    history: Array<{ outcome: string; statusCode: number | null }>;
  }>;
}

async function firstCallDetail(h: Harness): Promise<Detail> {
  const list = await h.api<{ calls: Array<{ id: number }> }>('/api/calls');
  return (await h.api<Detail>(`/api/calls/${list.body.calls[0]!.id}`)).body;
}

describe('the outbox', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('retries a 503 twice, then delivers exactly one message', async () => {
    h = await startHarness();
    h.gateway.failNext('sendText', 2, 503);
    await h.post(callReceived({ from: '30000000001@c.us' }));
    // retryMax (200ms): each retry is due by then.
    await h.retryThrough(2);
    await h.gateway.waitFor((g) => g.sent.length === 1);
    await h.settled();
    expect(h.gateway.sent).toHaveLength(1);
    expect(h.gateway.requests['waha.sendText']).toBe(3);
    const detail = await firstCallDetail(h);
    expect(detail.call.redirect).toMatchObject({ status: 'sent', attempts: 3 });
    expect(detail.actions[0]!.history.map((a) => [a.outcome, a.statusCode])).toEqual([
      ['retry', 503],
      ['retry', 503],
      ['ok', null],
    ]);
  });

  // The paths differ: SQLite's HTTP thread holds the connection before handing the webhook to its
  // writer thread, PostgreSQL's holds it when the webhook's job runs in a transaction.
  it.for(['SQLite', 'PostgreSQL'].map((database) => ({ database, skip: database === 'PostgreSQL' && !PG_URL })))(
    'marks a redirect as on the wire in the commit that decided it, unless it must wait for a gateway connection ($database)',
    async ({ database, skip }, ctx) => {
      if (skip) ctx.skip('PostgreSQL only: set TEST_DATABASE_URL to run');
      h = await startHarness(
        (db, url) => {
          const c = testConfig(db, url);
          c.gateways.local!.connections = 1;
          return c;
        },
        { postgres: database === 'PostgreSQL' },
      );
      const marks = () =>
        h.bridge.store.db
          .selectFrom('actions')
          .select(['status', 'sending_since', 'created_at'])
          .orderBy('id')
          .execute();
      h.gateway.hangSends(true);
      await h.post(callReceived({ from: '30000000011@c.us' }));
      await h.gateway.waitFor((g) => g.requests['waha.sendText'] === 1);
      const [first] = await marks();
      expect(first).toMatchObject({ status: 'pending', sending_since: first!.created_at });
      // The one connection is taken: the next caller's text waits its turn, not marked, so a crash now
      // would leave it to be sent after the restart rather than in doubt.
      await h.post(callReceived({ from: '30000000012@c.us' }));
      const [, second] = await waitFor('the second redirect', async () =>
        (await marks()).length === 2 ? marks() : null,
      );
      expect(second).toMatchObject({ status: 'pending', sending_since: null });
      h.gateway.hangSends(false);
      await h.gateway.waitFor((g) => g.sent.length === 2);
      await h.settled();
      expect((await marks()).map((a) => [a.status, a.sending_since])).toEqual([
        ['done', null],
        ['done', null],
      ]);
      expect(h.gateway.sent.map((s) => s.chatId)).toEqual(['30000000011@c.us', '30000000012@c.us']);
    },
  );

  it('honours Retry-After on a 429', async () => {
    h = await startHarness();
    h.gateway.failNext('sendText', 1, 429, { retryAfter: '1' });
    const started = h.clock.now();
    await h.post(callReceived({ from: '30000000002@c.us' }));
    await waitFor('the 429', async () => (await h.attempts()) === 1);
    // Backoff alone would retry after 25-50ms; Retry-After: 1 stretches it to the 200ms retryMax of these tests.
    const { next_attempt_at } = await h.bridge.store.db
      .selectFrom('actions')
      .select('next_attempt_at')
      .executeTakeFirstOrThrow();
    expect(Number(next_attempt_at) - started).toBe(200);
    h.clock.advance('200ms');
    await h.gateway.waitFor((g) => g.sent.length === 1);
    expect(h.gateway.sent[0]!.at - started).toBe(200);
  });

  it('fails at once on a 4xx other than 429', async () => {
    h = await startHarness();
    h.gateway.failNext('sendText', 1, 400);
    await h.post(callReceived({ from: '30000000003@c.us' }));
    await h.settled();
    const detail = await firstCallDetail(h);
    expect(detail.call.redirect).toMatchObject({ status: 'failed', attempts: 1 });
    expect(h.gateway.sent).toHaveLength(0);
  });

  it('never sends a redirect after its expiry: a gateway down past it gets an expired record', async () => {
    h = await startHarness((db, url) => {
      const c = testConfig(db, url);
      c.sessions.default!.redirect.expireAfter = 500;
      return c;
    });
    h.gateway.setDown(true);
    await h.post(callReceived({ from: '30000000004@c.us' }));
    await waitFor('the first failure', async () => (await h.attempts()) === 1);
    // The first retry was due well within the 500ms, but is taken past them: too late to send.
    h.clock.advance('501ms');
    await waitFor('the redirect to expire', async () => (await firstCallDetail(h)).call.redirect.status === 'expired');
    h.gateway.setDown(false);
    await h.settled();
    expect(h.gateway.sent).toHaveLength(0);
    const detail = await firstCallDetail(h);
    expect(detail.actions[0]!.history.at(-1)!.outcome).toBe('expired');
    expect(detail.actions[0]!.history.length).toBeGreaterThan(1);
  });

  it('sends what was pending when the process stopped, after a restart', async () => {
    h = await startHarness();
    h.gateway.setDown(true);
    await h.post(callReceived({ from: '30000000005@c.us' }));
    await waitFor('a failed first attempt', async () => (await firstCallDetail(h)).actions[0]!.attempts >= 1);
    await h.bridge.close();
    h.gateway.setDown(false);
    await h.restart();
    h.clock.advance('200ms');
    await h.gateway.waitFor((g) => g.sent.length === 1);
    await h.settled();
    expect(h.gateway.sent).toHaveLength(1);
  });
});
