import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { callReceived, signWaha } from '../src/sim/webhooks.js';
import { cpuMsOf } from './processes.js';
import { now } from './stats.js';

/** A signed `call.received` webhook, ready to send: built before a phase so signing costs no load time. */
export interface Webhook {
  chatId: string;
  body: string;
  headers: Record<string, string>;
}

/** Distinct callers: each phase has its own prefix, so no caller is debounced by an earlier phase. */
export function buildWebhooks(phase: number, count: number, hmacKey: string): Webhook[] {
  const out: Webhook[] = [];
  for (let i = 0; i < count; i++) {
    const chatId = `9${String(phase).padStart(3, '0')}${String(i).padStart(8, '0')}@c.us`;
    const body = JSON.stringify(callReceived({ from: chatId }));
    out.push({
      chatId,
      body,
      headers: {
        'content-type': 'application/json',
        'x-webhook-hmac': signWaha(body, hmacKey),
        'x-webhook-hmac-algorithm': 'sha512',
        'user-agent': 'WAHA/bench',
      },
    });
  }
  return out;
}

export const CONNECTIONS = 64;
/** Events sent but not yet delivered, at most, in a closed-loop round. */
export const WINDOW = 512;
/** How long a phase waits for its last redirects. */
export const DRAIN_MS = 15_000;

export function webhookPool(url: string): Pool {
  return new Pool(url, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 60_000 });
}

/** Where webhooks are posted: one server's pool, or several servers' behind a balancer (undici's BalancedPool). */
export type Target = Pick<Pool, 'request'>;

/** Posts one webhook; resolves with the status (0 on a transport error). */
export async function post(pool: Target, w: Webhook): Promise<number> {
  try {
    const res = await pool.request({ method: 'POST', path: '/webhooks/local', headers: w.headers, body: w.body });
    await res.body.dump();
    return res.statusCode;
  } catch {
    return 0;
  }
}

/**
 * Matches texts arriving at the simulated gateway to the webhooks that caused them.
 * The sim reports arrivals in batches over IPC; each carries its arrival time.
 */
export class Deliveries {
  private readonly sentAt = new Map<string, number>();
  private readonly delivered = new Set<string>();
  duplicates = 0;
  unexpected = 0;
  count = 0;
  /** [sentAt, arrivedAt] per delivered webhook. */
  samples: Array<[number, number]> = [];
  private waiters: Array<() => void> = [];

  expect(chatId: string, at: number): void {
    this.sentAt.set(chatId, at);
  }

  get outstanding(): number {
    return this.sentAt.size;
  }

  arrived(batch: Array<[string, number]>): void {
    for (const [chatId, at] of batch) {
      const sent = this.sentAt.get(chatId);
      if (sent !== undefined) {
        this.sentAt.delete(chatId);
        this.delivered.add(chatId);
        this.samples.push([sent, at]);
        this.count++;
      } else if (this.delivered.has(chatId)) this.duplicates++;
      else this.unexpected++;
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves on the next arrival batch. */
  next(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  /** Waits until nothing is outstanding, or `timeoutMs`; returns how many are still missing. */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.outstanding > 0 && Date.now() < deadline) await Promise.race([this.next(), sleep(100)]);
    return this.outstanding;
  }

  /** Starts a fresh phase; late arrivals of the previous one then count as unexpected. */
  reset(): void {
    this.sentAt.clear();
    this.delivered.clear();
    this.samples = [];
    this.duplicates = 0;
    this.unexpected = 0;
    this.count = 0;
  }
}

/**
 * Open loop: webhook i leaves at `start + offsets[i]`, whatever happened to the ones before
 * (a closed loop would hide queueing delay). Returns the non-2xx count.
 */
export async function sendOnSchedule(
  pool: Target,
  hooks: Webhook[],
  offsetsMs: number[],
  d: Deliveries,
): Promise<{ errors: number; start: number }> {
  const start = now();
  let next = 0;
  let errors = 0;
  const inflight: Promise<void>[] = [];
  while (next < hooks.length) {
    const t = now() - start;
    while (next < hooks.length && offsetsMs[next]! <= t) {
      const w = hooks[next++]!;
      d.expect(w.chatId, now());
      inflight.push(
        post(pool, w).then((s) => {
          if (s < 200 || s >= 300) errors++;
        }),
      );
    }
    if (next < hooks.length) await sleep(Math.max(0, Math.min(1, offsetsMs[next]! - (now() - start))));
  }
  await Promise.all(inflight);
  return { errors, start };
}

/**
 * Closed loop on delivery: keeps `window` webhooks sent but not yet redirected, for `durationMs`.
 * Rate = redirects delivered in the measured part (after `warmupMs`) per second.
 */
export async function deliveredThroughput(
  pool: Target,
  hooks: Webhook[],
  d: Deliveries,
  opts: { window: number; durationMs: number; warmupMs: number },
): Promise<{ perSecond: number; errors: number; sent: number }> {
  const start = now();
  const end = start + opts.durationMs;
  let next = 0;
  let errors = 0;
  let countAtWarm = -1;
  while (now() < end && next < hooks.length) {
    if (countAtWarm < 0 && now() >= start + opts.warmupMs) countAtWarm = d.count;
    while (d.outstanding < opts.window && next < hooks.length) {
      const w = hooks[next++]!;
      d.expect(w.chatId, now());
      void post(pool, w).then((s) => {
        if (s < 200 || s >= 300) errors++;
      });
    }
    await Promise.race([d.next(), sleep(5)]);
  }
  const measured = now() - start - opts.warmupMs;
  const delivered = d.count - Math.max(0, countAtWarm);
  return { perSecond: Math.round((delivered / measured) * 1000), errors, sent: next };
}

/** Closed loop on responses against the bare baseline: `window` requests in flight for `durationMs`. */
export async function requestThroughput(
  pool: Pool,
  hooks: Webhook[],
  opts: { window: number; durationMs: number; warmupMs: number },
): Promise<{ perSecond: number; errors: number }> {
  const from = now() + opts.warmupMs;
  const end = from - opts.warmupMs + opts.durationMs;
  let next = 0;
  let done = 0;
  let errors = 0;
  const worker = async () => {
    while (now() < end) {
      const s = await post(pool, hooks[next++ % hooks.length]!);
      if (s !== 200) errors++;
      const t = now();
      if (t >= from && t < end) done++;
    }
  };
  await Promise.all(Array.from({ length: opts.window }, worker));
  return { perSecond: Math.round((done / (end - from)) * 1000), errors };
}

/** A process under a closed-loop round: where its webhooks go, and its pid for CPU time. */
export interface Contender {
  pool: Pool;
  pid: number;
}

/** One closed-loop round on delivery, with the CPU each process spent per delivered event. */
export async function deliveredRound(
  c: Contender,
  simPid: number,
  d: Deliveries,
  hooks: Webhook[],
  roundMs: number,
  warmupMs: number,
) {
  const { value, cpuUsPerEvent } = await withCpuPerEvent(c, simPid, d, () =>
    deliveredThroughput(c.pool, hooks, d, { window: WINDOW, durationMs: roundMs, warmupMs }),
  );
  return { perSecond: value.perSecond, cpuUsPerEvent };
}

/**
 * One round at a fixed rate, with the CPU each process spent per delivered event. Closed-loop rounds
 * run each process at its own top speed, where batching makes every event cheaper; at one rate for
 * all, the CPU per event compares what each needs for the same traffic.
 */
export async function fixedRateRound(c: Contender, simPid: number, d: Deliveries, hooks: Webhook[], rate: number) {
  const { value, cpuUsPerEvent } = await withCpuPerEvent(c, simPid, d, () =>
    sendOnSchedule(
      c.pool,
      hooks,
      hooks.map((_, i) => (i * 1000) / rate),
      d,
    ),
  );
  return { errors: value.errors, cpuUsPerEvent };
}

async function withCpuPerEvent<T>(c: Contender, simPid: number, d: Deliveries, round: () => Promise<T>) {
  d.reset();
  const cpu0 = { bridge: cpuMsOf(c.pid), sim: cpuMsOf(simPid), loadgen: process.cpuUsage() };
  const value = await round();
  await d.drain(DRAIN_MS);
  const perEvent = (ms: number) => Math.round((ms * 1000) / Math.max(1, d.count));
  const lg = process.cpuUsage(cpu0.loadgen);
  return {
    value,
    cpuUsPerEvent: {
      callbridge: perEvent(cpuMsOf(c.pid) - cpu0.bridge),
      sim: perEvent(cpuMsOf(simPid) - cpu0.sim),
      loadgen: perEvent((lg.user + lg.system) / 1000),
    },
  };
}
