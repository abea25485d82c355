import { describe, expect, it } from 'vitest';
import { callAccepted, callReceived, callRejected, messageReceived } from '../../src/sim/webhooks.js';
import { variantId } from '../../src/config/texts.js';
import type { StatsView } from '../../src/views/stats.js';
import { useHarness, waitFor, type Harness } from '../helpers/harness.js';

const VOICE = 'Hi {{name}}! We saw you trying to call. We answer fastest here in chat: how can we help?';

const HOUR = 3_600_000;

/** Waits until the pipeline has recorded the redirect of `callId` as sent. */
async function redirected(h: Harness, callId: string) {
  await waitFor(`the redirect of ${callId} recorded`, async () => {
    const { body } = await h.api<{ calls: Array<{ callId: string; redirect: { sentAt: string | null } }> }>(
      '/api/calls',
    );
    return body.calls.find((c) => c.callId === callId)?.redirect.sentAt;
  });
}

describe('GET /api/stats', () => {
  const h = useHarness();

  /**
   * Six calls through real webhooks: one answered and one missed redirected 200 ms late (a 429
   * first), one rejected redirected at once; one whose redirect the gateway refuses, one the caller
   * of the missed call makes again (debounced), one whose redirect expires while the gateway is
   * down. The missed and rejected callers write back 30 s and 60 s after their redirects.
   */
  async function sixCalls(): Promise<Array<{ at: number; status: 'answered' | 'rejected' | 'missed' }>> {
    const [a, b, c, d, e] = ['15550001001', '15550001002', '15550001003', '15550001004', '15550001005'].map(
      (n) => `${n}@c.us`,
    ) as [string, string, string, string, string];
    const received: Array<{ at: number; status: 'answered' | 'rejected' | 'missed' }> = [];
    const ring = async (from: string, callId: string, status: 'answered' | 'rejected' | 'missed') => {
      received.push({ at: h.clock.now(), status });
      expect((await h.post(callReceived({ from, callId, clock: h.clock }))).status).toBe(200);
    };
    const retryLate = async (from: string, callId: string, status: 'answered' | 'missed') => {
      h.gateway.failNext('sendText', 1, 429, { retryAfter: '1' });
      const before = await h.attempts();
      await ring(from, callId, status);
      await waitFor('the 429', async () => (await h.attempts()) === before + 1);
      // Retry-After stretches the retry to the tests' retryMax, 200 ms.
      h.clock.advance('200ms');
      await redirected(h, callId);
    };

    await retryLate(a, 'ans', 'answered');
    await h.post(callAccepted({ from: a, callId: 'ans', clock: h.clock }));
    await ring(b, 'rej', 'rejected');
    await redirected(h, 'rej');
    await h.post(callRejected({ from: b, callId: 'rej', clock: h.clock }));
    await retryLate(c, 'miss', 'missed');
    const cRedirectedAt = h.clock.now();
    const bRedirectedAt = received[1]!.at;
    h.clock.advance('1s'); // past the ring timeout of `miss`
    await h.settled();

    h.gateway.failNext('sendText', 1, 400);
    await ring(d, 'fail', 'missed');
    await ring(c, 'again', 'missed');
    await h.settled();

    h.clock.set(cRedirectedAt + 30_000);
    await h.post(messageReceived({ from: c, body: 'writing instead', clock: h.clock }));
    h.clock.set(bRedirectedAt + 60_000);
    await h.post(messageReceived({ from: b, body: 'ok, here', clock: h.clock }));

    h.gateway.setDown(true);
    const before = await h.attempts();
    await ring(e, 'exp', 'missed');
    await waitFor('the first failure', async () => (await h.attempts()) > before);
    h.clock.advance('121s'); // past the redirect's expireAfter (2m), and every ring timeout
    await waitFor('the redirect to expire', async () => {
      const { body } = await h.api<StatsView>('/api/stats');
      return body.redirects.expired === 1;
    });
    h.gateway.setDown(false);
    await h.settled();
    return received;
  }

  it("counts the last 7 days' calls, redirects and replies as they happened", async () => {
    const received = await sixCalls();
    const { status, body } = await h.api<StatsView>('/api/stats');
    expect(status).toBe(200);
    expect(body).toEqual({
      calls: { total: 6, answered: 1, rejected: 1, missed: 4, ringing: 0 },
      missedRate: 0.6667,
      redirects: { sent: 3, skipped: { debounced: 1 }, expired: 1, failed: 1 },
      conversions: 2,
      conversionRate: 0.6667,
      // Redirected after 0.2, 0 and 0.2 s; replies 30 and 60 s after.
      medianSecondsToRedirect: 0.2,
      medianSecondsToReply: 45,
      // The session's one voice text, as every redirect chose it; the Wilson interval of 2 in 3.
      byVariant: [
        {
          template: 'voice',
          language: 'en',
          variant: { index: 0, id: variantId(VOICE) },
          text: VOICE,
          sent: 3,
          replies: 2,
          replyRate: 0.6667,
          ci95: [0.2077, 0.9385],
        },
      ],
      byHour: expect.any(Array),
    });
    // The calls fell within a few minutes: in one hour or across the turn of one.
    const hours = new Map<number, { answered: number; rejected: number; missed: number }>();
    for (const { at, status: s } of received) {
      const hour = at - (at % HOUR);
      const row = hours.get(hour) ?? { answered: 0, rejected: 0, missed: 0 };
      row[s]++;
      hours.set(hour, row);
    }
    expect(body.byHour).toEqual([...hours].map(([hour, row]) => ({ hour: new Date(hour).toISOString(), ...row })));

    expect((await h.api<StatsView>('/api/stats?session=default')).body).toEqual(body);
    const day = received[0]!.at - (received[0]!.at % (24 * HOUR));
    const daily = await h.api<StatsView>('/api/stats?bucket=day');
    expect(daily.body.byHour).toEqual([{ hour: new Date(day).toISOString(), answered: 1, rejected: 1, missed: 4 }]);
  });

  it('takes a period from and to dates or date-times, its end excluded', async () => {
    const start = h.clock.now();
    await h.post(callReceived({ from: '15550001010@c.us', callId: 'only', clock: h.clock }));
    await h.settled();
    const at = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
    const total = async (query: string) => (await h.api<StatsView>(`/api/stats?${query}`)).body.calls.total;
    expect(await total(`from=${at(start)}&to=${at(start + 1)}`)).toBe(1);
    expect(await total(`from=${at(start - 1000)}&to=${at(start)}`)).toBe(0);
    h.clock.advance('1s');
    // Only `from`: up to now.
    expect(await total(`from=${at(start)}`)).toBe(1);
    expect(await total(`from=${at(start + 1)}`)).toBe(0);
    // Only `to`: the 7 days before it.
    expect(await total(`to=${at(start + 1)}`)).toBe(1);
    expect(await total(`to=${at(start + 1 + 7 * 24 * HOUR)}`)).toBe(0);
    const today = new Date(start).toISOString().slice(0, 10);
    const tomorrow = new Date(start + 24 * HOUR).toISOString().slice(0, 10);
    expect(await total(`from=${today}&to=${tomorrow}`)).toBe(1);
    expect(await total(`from=${tomorrow}&to=${tomorrow}`)).toBe(0);
    const empty = (await h.api<StatsView>(`/api/stats?from=${tomorrow}&to=${tomorrow}`)).body;
    expect(empty).toMatchObject({ missedRate: null, conversionRate: null, medianSecondsToRedirect: null, byHour: [] });
  });

  it('refuses bad dates and a period that ends before it starts, naming the parameter', async () => {
    for (const [query, name] of [
      ['from=yesterday', 'from'],
      ['to=2026-02-30', 'to'],
      ['from=2026-12-01T09:00:00', 'from'],
      ['from=2026-12-08&to=2026-12-01', 'from'],
    ] as const) {
      const res = await h.api<{ code: string; message: string }>(`/api/stats?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.code).toBe('invalid_request');
      expect(res.body.message).toMatch(new RegExp(`^querystring/${name} `));
    }
    expect((await h.api<{ message: string }>('/api/stats?bucket=week')).status).toBe(400);
  });

  it('answers 404 for a session callbridge does not serve, 401 without the token', async () => {
    const res = await h.api<{ code: string }>('/api/stats?session=nobody');
    expect(res).toEqual({ status: 404, body: expect.objectContaining({ code: 'unknown_session' }) });
    const anonymous = await fetch(`${h.bridge.url}/api/stats`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 'unauthorized' });
  });
});
