import { execFileSync } from 'node:child_process';
import { BalancedPool } from 'undici';
import {
  buildWebhooks,
  CONNECTIONS,
  deliveredThroughput,
  type Deliveries,
  DRAIN_MS,
  sendOnSchedule,
  WINDOW,
} from './load.js';
import { createPgSchema } from './postgres.js';
import { cpuMsOf, procStat, startCallbridgeProcess, type Child, type CallbridgeOptions } from './processes.js';
import { summarise, type Latency } from './stats.js';

export interface ReplicaRun {
  replicas: number;
  /** The fixed rate, in total over the replicas. */
  rate: number;
  warm: Latency;
  errors: number;
  lost: number;
  duplicates: number;
  /** Closed loop on delivery, every replica behind the balancer. */
  delivered: number;
  /** CPU per delivered event in the closed loop: the replicas together, and every `postgres` process of the machine. */
  cpuUsPerEvent: { callbridge: number; postgres: number };
}

/** CPU of every process named `postgres` on the machine, ms: PostgreSQL's own work (and whatever else uses it meanwhile). */
function postgresCpuMs(): number {
  let pids: string[] = [];
  try {
    pids = execFileSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return NaN;
  }
  // A backend that exits during a round (a replica stopping its pool) takes its CPU time with it;
  // the postmaster, which reaps it, counts it from then on among its children's.
  const postmaster = pids.find((pid) => !pids.includes(String(procStat(Number(pid))?.[1])));
  return pids.reduce((sum, pid) => sum + (cpuMsOf(Number(pid), { reaped: pid === postmaster }) || 0), 0);
}

/**
 * `n` replicas on one fresh PostgreSQL schema behind a balancer (undici's BalancedPool: round robin
 * while every upstream answers): a fixed rate in total, then a closed loop on delivery.
 */
export async function replicaRun(o: {
  n: number;
  pgUrl: string;
  bridge: Omit<CallbridgeOptions, 'name' | 'database'>;
  d: Deliveries;
  phase: number;
  hmacKey: string;
  rate: number;
  seconds: number;
  roundMs: number;
  children: Child[];
}): Promise<ReplicaRun> {
  const pg = await createPgSchema(o.pgUrl);
  const replicas: Child[] = [];
  let pool: BalancedPool | null = null;
  try {
    for (let i = 0; i < o.n; i++) {
      const r = await startCallbridgeProcess({ ...o.bridge, name: `pg-replica-${o.n}-${i}`, database: pg.url });
      replicas.push(r);
      o.children.push(r);
    }
    pool = new BalancedPool(
      replicas.map((r) => r.url),
      { connections: Math.ceil(CONNECTIONS / o.n), pipelining: 1, keepAliveTimeout: 60_000 },
    );
    const hooks = buildWebhooks(o.phase, o.rate * o.seconds, o.hmacKey);
    o.d.reset();
    const { errors, start } = await sendOnSchedule(
      pool,
      hooks,
      hooks.map((_, i) => (i * 1000) / o.rate),
      o.d,
    );
    const lost = await o.d.drain(DRAIN_MS);
    const duplicates = o.d.duplicates;
    const warm = summarise(o.d.samples.filter(([s]) => s - start >= 1000).map(([s, a]) => a - s));

    const loop = buildWebhooks(o.phase + 1, 20_000, o.hmacKey);
    o.d.reset();
    const cpu0 = { bridge: replicas.map((r) => cpuMsOf(r.proc.pid!)), pg: postgresCpuMs() };
    const { perSecond } = await deliveredThroughput(pool, loop, o.d, {
      window: WINDOW,
      durationMs: o.roundMs,
      warmupMs: Math.min(1000, o.roundMs / 4),
    });
    const loopLost = await o.d.drain(DRAIN_MS);
    const perEvent = (ms: number) => Math.round((ms * 1000) / Math.max(1, o.d.count));
    const bridgeMs = replicas.reduce((sum, r, i) => sum + cpuMsOf(r.proc.pid!) - cpu0.bridge[i]!, 0);
    return {
      replicas: o.n,
      rate: o.rate,
      warm,
      errors,
      lost: lost + loopLost,
      duplicates: duplicates + o.d.duplicates,
      delivered: perSecond,
      cpuUsPerEvent: { callbridge: perEvent(bridgeMs), postgres: perEvent(postgresCpuMs() - cpu0.pg) },
    };
  } finally {
    await pool?.close();
    await Promise.all(replicas.map((r) => r.stop()));
    await pg.drop();
  }
}
