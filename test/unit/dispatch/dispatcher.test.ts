import { describe, expect, it } from 'vitest';
import { describeAttempt } from '../../../src/dispatch/describe.js';
import { Dispatcher } from '../../../src/dispatch/dispatcher.js';
import type { GatewayClient } from '../../../src/gateways/types.js';
import { BudgetCache } from '../../../src/lib/budgetCache.js';
import { ManualClock } from '../../../src/lib/clock.js';
import { HttpError } from '../../../src/lib/http.js';
import { Limiter } from '../../../src/lib/limiter.js';
import { WakeLoop } from '../../../src/lib/wakeLoop.js';
import type { Action, AttemptResult } from '../../../src/store/actions.js';
import { waitFor } from '../../helpers/harness.js';

const T0 = Date.parse('2026-12-01T09:00:00Z');
const RETRY = { initial: 1_000, max: 60_000 };

/** Lets every pending promise callback run. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

const redirect = (over: Partial<Action> = {}): Action => ({
  id: 1,
  key: 'redirect:default:call-1',
  kind: 'sendRedirect',
  session: 'default',
  callId: 'call-1',
  payload: { chatId: '15550001111@c.us', template: 'Write to us here.', name: null, isVideo: false },
  status: 'pending',
  attempts: 0,
  nextAttemptAt: T0,
  expiresAt: T0 + 120_000,
  ...over,
});

/**
 * A dispatcher on a manual clock, a gateway that fails as scripted (then succeeds), and an outbox
 * in memory that a WakeLoop claims from when a retry falls due, as server.ts wires the real one.
 */
function harness(failures: HttpError[] = []) {
  const clock = new ManualClock(T0);
  const sends: number[] = [];
  const results: AttemptResult[] = [];
  const outbox = new Map<number, Action>();
  const client: GatewayClient = {
    async sendText() {
      sends.push(clock.now());
      const failure = failures.shift();
      if (failure) throw failure;
    },
    rejectCall: async () => {},
    lookupName: async () => null,
    close: async () => {},
  };
  const errors: unknown[] = [];
  const loop: WakeLoop = new WakeLoop(
    clock,
    async () => {
      for (const a of [...outbox.values()].filter((a) => a.nextAttemptAt <= clock.now())) {
        outbox.delete(a.id);
        dispatcher.dispatch(a);
      }
      return false;
    },
    3_600_000,
    (e) => errors.push(e),
  );
  const dispatcher: Dispatcher = new Dispatcher({
    clock,
    targets: {
      get: (session) =>
        session === 'default'
          ? {
              session,
              sessionName: 'default',
              client,
              slots: new Limiter(4),
              contactLookup: { enabled: false, budget: 300, cacheTtl: 60_000 },
            }
          : undefined,
    },
    names: new BudgetCache(clock, 60_000),
    alertSenders: {},
    retry: RETRY,
    record: async (a, r) => {
      results.push(r);
      if (r.outcome === 'retry') outbox.set(a.id, { ...a, attempts: a.attempts + 1, nextAttemptAt: r.nextAttemptAt! });
    },
    wakeAt: (at) => loop.wake(at),
    onError: (e) => errors.push(e),
  });
  loop.start();
  /** Waits for the loop's tick and what it dispatched, and for the outcomes to be recorded. */
  const settle = async () => {
    await turn();
    await dispatcher.drain();
    await turn();
  };
  return {
    clock,
    sends,
    results,
    errors,
    async run(a: Action) {
      dispatcher.dispatch(a);
      await settle();
    },
    async moveTo(at: number) {
      clock.set(at);
      await settle();
    },
    stop: () => loop.stop(),
  };
}

const unavailable = () => new HttpError('POST /api/sendText: HTTP 503', true, 503);

describe('the dispatcher', () => {
  it('retries a failed send with backoff, at the due time it computed and not before', async () => {
    const d = harness([unavailable(), unavailable()]);
    await d.run(redirect());
    const first = d.results[0]!;
    expect(first).toMatchObject({ outcome: 'retry', startedAt: T0, statusCode: 503, attempted: true });
    // Attempt 1 waits about `initial`: jittered over its upper half.
    const due1 = first.nextAttemptAt!;
    expect(due1 - T0).toBeGreaterThanOrEqual(RETRY.initial / 2);
    expect(due1 - T0).toBeLessThanOrEqual(RETRY.initial);

    await d.moveTo(due1 - 1);
    expect(d.sends).toEqual([T0]);
    await d.moveTo(due1);
    expect(d.sends).toEqual([T0, due1]);

    // Attempt 2 waits twice as long.
    const due2 = d.results[1]!.nextAttemptAt!;
    expect(due2 - due1).toBeGreaterThanOrEqual(RETRY.initial);
    expect(due2 - due1).toBeLessThanOrEqual(2 * RETRY.initial);
    await d.moveTo(due2);
    expect(d.sends).toEqual([T0, due1, due2]);
    expect(d.results.map((r) => r.outcome)).toEqual(['retry', 'retry', 'ok']);
    expect(d.errors).toEqual([]);
    await d.stop();
  });

  it('honours Retry-After, in seconds or as an HTTP date read against the clock', async () => {
    const inSeconds = harness([new HttpError('HTTP 429', true, 429, '30')]);
    await inSeconds.run(redirect());
    expect(inSeconds.results[0]).toMatchObject({ outcome: 'retry', nextAttemptAt: T0 + 30_000 });
    await inSeconds.stop();

    const asDate = harness([new HttpError('HTTP 503', true, 503, new Date(T0 + 45_000).toUTCString())]);
    await asDate.run(redirect());
    expect(asDate.results[0]).toMatchObject({ outcome: 'retry', nextAttemptAt: T0 + 45_000 });
    await asDate.stop();

    // Never longer than retryMax.
    const tooLong = harness([new HttpError('HTTP 429', true, 429, '3600')]);
    await tooLong.run(redirect());
    expect(tooLong.results[0]).toMatchObject({ outcome: 'retry', nextAttemptAt: T0 + RETRY.max });
    await tooLong.stop();
  });

  it('records an action past its expiry as expired and never sends it', async () => {
    const d = harness();
    await d.moveTo(T0 + 120_001);
    await d.run(redirect());
    expect(d.results).toMatchObject([{ outcome: 'expired', attempted: false, startedAt: T0 + 120_001 }]);
    expect(d.sends).toEqual([]);
    await d.stop();
  });

  it('records a failure as expired when no retry could come before the expiry', async () => {
    const d = harness([unavailable()]);
    await d.run(redirect({ expiresAt: T0 + 100 }));
    expect(d.results).toMatchObject([{ outcome: 'expired', attempted: true, nextAttemptAt: null }]);
    expect(d.results[0]!.error).toMatch(/no retry possible before expiry$/);
    await d.moveTo(T0 + 3_600_000);
    expect(d.sends).toEqual([T0]);
    await d.stop();
  });

  it('fails at once on a 4xx other than 429', async () => {
    const d = harness([new HttpError('HTTP 400', false, 400)]);
    await d.run(redirect());
    expect(d.results).toMatchObject([{ outcome: 'failed', statusCode: 400, nextAttemptAt: null }]);
    await d.moveTo(T0 + 3_600_000);
    expect(d.sends).toEqual([T0]);
    await d.stop();
  });
});

describe('contact names', () => {
  it("are kept for each session's own cacheTtl, on the clock", async () => {
    const clock = new ManualClock(T0);
    const lookups: string[] = [];
    const client: GatewayClient = {
      sendText: async () => {},
      rejectCall: async () => {},
      lookupName: async (session) => {
        lookups.push(session);
        return 'Ana';
      },
      close: async () => {},
    };
    const ttl: Record<string, number> = { short: 60_000, long: 600_000 };
    const dispatcher = new Dispatcher({
      clock,
      targets: {
        get: (session) =>
          ttl[session] === undefined
            ? undefined
            : {
                session,
                sessionName: session,
                client,
                slots: new Limiter(4),
                contactLookup: { enabled: true, budget: 300, cacheTtl: ttl[session] },
              },
      },
      names: new BudgetCache(clock, 0),
      alertSenders: {},
      retry: RETRY,
      record: async () => {},
      wakeAt: () => {},
      onError: (e) => {
        throw e;
      },
    });
    let id = 0;
    const both = async () => {
      for (const session of ['short', 'long']) {
        const at = clock.now();
        dispatcher.dispatch(redirect({ id: ++id, session, nextAttemptAt: at, expiresAt: at + 120_000 }));
      }
      await dispatcher.drain();
    };
    await both();
    expect(lookups).toEqual(['short', 'long']);
    clock.advance(60_000);
    await both();
    expect(lookups).toEqual(['short', 'long', 'short']);
    clock.advance(540_000);
    await both();
    expect(lookups).toEqual(['short', 'long', 'short', 'short', 'long']);
  });
});

/** A dispatcher with one gateway slot, whose sends wait until the test lets each through, and spies on its marks. */
function oneSlot() {
  const clock = new ManualClock(T0);
  const gates: Array<() => void> = [];
  const sent: string[] = [];
  const client: GatewayClient = {
    sendText: (_s, chatId) =>
      new Promise<void>((resolve) =>
        gates.push(() => {
          sent.push(chatId);
          resolve();
        }),
      ),
    rejectCall: async () => {},
    lookupName: async () => null,
    close: async () => {},
  };
  const starts: number[] = [];
  const extended: Array<[number, number]> = [];
  const optOutReads: string[] = [];
  const results: AttemptResult[] = [];
  const slots = new Limiter(1);
  const dispatcher = new Dispatcher({
    clock,
    targets: {
      get: (session) => ({
        session,
        sessionName: session,
        client,
        slots,
        contactLookup: { enabled: false, budget: 300, cacheTtl: 60_000 },
      }),
    },
    names: new BudgetCache(clock, 0),
    alertSenders: {},
    retry: RETRY,
    record: async (_a, r) => void results.push(r),
    sending: {
      start: async (a) => (starts.push(a.id), true),
      extend: async (id, since) => (extended.push([id, since]), true),
      lease: LEASE,
    },
    optedOut: async (_s, chatId) => (optOutReads.push(chatId), false),
    wakeAt: () => {},
    onError: (e) => {
      throw e;
    },
  });
  return { clock, dispatcher, gates, sent, starts, extended, optOutReads, results };
}

const LEASE = 30_000;
const SECOND = { chatId: '15550002222@c.us', template: 'hi', name: null, isVideo: false };
/** The second caller's text, as the commit that decided it hands it over: marked, its connection held. */
const markedText = () =>
  redirect({
    id: 2,
    payload: SECOND,
    claimedUntil: T0 + LEASE,
    sendingSince: T0,
    markedByCommit: true,
    connectionHeld: true,
  });

describe('a text marked as on the wire by the commit that decided it', () => {
  it('is sent without an opt-out read or a mark of its own, its lease kept from dispatch while it waits for a slot', async () => {
    const h = oneSlot();
    h.dispatcher.dispatch(redirect({ id: 1, claimedUntil: T0 + LEASE }));
    h.dispatcher.dispatch(markedText());
    await waitFor('the first send to be on the wire', () => h.gates.length === 1);
    expect(h.starts).toEqual([1]);
    expect(h.optOutReads).toEqual(['15550001111@c.us']);
    // The marked text waits for the one slot, and its lease is kept meanwhile, fenced by its commit's mark.
    h.clock.advance(LEASE / 3);
    await waitFor('both leases to be extended', () => h.extended.length === 2);
    expect(h.extended.sort()).toEqual([
      [1, T0],
      [2, T0],
    ]);
    h.gates.shift()!();
    await waitFor('the marked text to be on the wire', () => h.gates.length === 1);
    h.gates.shift()!();
    await h.dispatcher.drain();
    expect(h.sent).toEqual(['15550001111@c.us', '15550002222@c.us']);
    expect(h.results.map((r) => [r.actionId, r.outcome])).toEqual([
      [1, 'ok'],
      [2, 'ok'],
    ]);
    expect(h.starts).toEqual([1]);
    expect(h.optOutReads).toEqual(['15550001111@c.us']);
  });

  it('is in doubt, and not sent, when a claim of it replaced it here while it waited (its lease was lost)', async () => {
    const h = oneSlot();
    h.dispatcher.dispatch(redirect({ id: 1, claimedUntil: T0 + LEASE }));
    const marked = markedText();
    h.dispatcher.dispatch(marked);
    await waitFor('the first send to be on the wire', () => h.gates.length === 1);
    // The claim loop found it leased to nobody: what it read is the stored mark, with no sign it is this process's.
    const { markedByCommit: _, connectionHeld: __, ...claimed } = marked;
    h.dispatcher.dispatch({ ...claimed, claimedUntil: T0 + 2 * LEASE });
    h.gates.shift()!();
    await h.dispatcher.drain();
    expect(h.sent).toEqual(['15550001111@c.us']);
    expect(h.results[1]).toMatchObject({ actionId: 2, outcome: 'failed', error: expect.stringMatching(/^in doubt: /) });
  });
});

describe("an attempt, as the operator's log tells it", () => {
  const result = (over: Partial<AttemptResult>): AttemptResult => ({
    actionId: 1,
    startedAt: T0,
    durationMs: 5,
    outcome: 'ok',
    statusCode: null,
    error: null,
    nextAttemptAt: null,
    attempted: true,
    ...over,
  });

  it('says nothing of a delivery, warns of a retry, and errs on an expiry or a final failure', () => {
    expect(describeAttempt(redirect(), result({}))).toBeNull();
    const retry = describeAttempt(
      redirect(),
      result({ outcome: 'retry', statusCode: 503, error: 'POST /api/sendText: HTTP 503', nextAttemptAt: T0 + 1_000 }),
    );
    expect(retry).toMatchObject({ level: 'warn', fields: { attempt: 1, status: 503, chat: '…1111' } });
    expect(retry!.msg).toBe(
      'sendRedirect failed (attempt 1): POST /api/sendText: HTTP 503; next try at 2026-12-01T09:00:01.000Z',
    );
    const expired = describeAttempt(
      redirect({ attempts: 3 }),
      result({ outcome: 'expired', error: 'expired before it could be sent', attempted: false }),
    );
    expect(expired).toMatchObject({ level: 'error', fields: { attempt: 3 } });
    const alert = describeAttempt(
      { ...redirect(), kind: 'alert', payload: { channel: 'slack', type: 'vip', at: T0, data: {} } as never },
      result({ outcome: 'failed', statusCode: 403, error: 'Slack webhook: HTTP 403' }),
    );
    expect(alert).toMatchObject({ level: 'error', fields: { channel: 'slack', status: 403 } });
    expect(alert!.msg).toBe('alert to slack failed for good (attempt 1): Slack webhook: HTTP 403');
    for (const line of [retry, expired, alert]) expect(JSON.stringify(line)).not.toContain('Write to us here');
  });
});
