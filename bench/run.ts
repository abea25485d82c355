import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Pool } from 'undici';
import {
  type Contender,
  buildWebhooks,
  CONNECTIONS,
  deliveredRound,
  fixedRateRound,
  Deliveries,
  DRAIN_MS,
  requestThroughput,
  sendOnSchedule,
  webhookPool,
} from './load.js';
import { preloadHistory } from './preload.js';
import { forkReporting, memoryOf, startCallbridgeProcess, type Child } from './processes.js';
import { describeMoments, scrapeStalls, worstMoments } from './stalls.js';
import { renderMarkdown, renderTable, verdicts, type CpuPerEvent, type Results } from './report.js';
import { median, round, summarise } from './stats.js';
import { createPgSchema, type PgSchema } from './postgres.js';
import { replicaRun, type ReplicaRun } from './replicas.js';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
});
const quick = args.quick;
const PHASES = ['coldstart', 'latency', 'storm', 'throughput', 'memory', 'postgres', 'replicas'] as const;
const only = args.only?.split(',');
if (only?.some((p) => !(PHASES as readonly string[]).includes(p))) {
  console.error(`bench: --only takes a comma-separated list of ${PHASES.join(', ')}`);
  process.exit(2);
}
/** `--only <phase>[,<phase>...]` runs those phases, for profiling one thing at a time; the report shows them alone. */
const want = (phase: (typeof PHASES)[number]) => !only || only.includes(phase);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'bench', 'results');
const API_KEY = 'bench-api-key';
const HMAC_KEY = 'bench-hmac-key';

/** Every knob of the run: the quick run is the same phases, shorter. */
const plan = quick
  ? {
      rates: [100, 500, 1000],
      rateSeconds: 3,
      stormCallers: 3000,
      stormSeconds: 3,
      rounds: 2,
      roundMs: 2000,
      history: 100_000,
      memorySeconds: 2,
      coldSeconds: 3,
    }
  : {
      rates: [100, 500, 1000],
      rateSeconds: 10,
      stormCallers: 10_000,
      stormSeconds: 10,
      rounds: 3,
      roundMs: 5000,
      history: 1_000_000,
      memorySeconds: 10,
      coldSeconds: 5,
    };

let phaseNo = 0;
const children: Child[] = [];
const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

function buildCallbridge(): string {
  // The benchmark runs the compiled server where `npm start` builds it (dist/, beside web/ which the
  // dashboard serves), with no TypeScript loader in the measured process.
  const out = join(root, 'dist');
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')],
    {
      stdio: 'inherit',
    },
  );
  return out;
}

/**
 * What callbridge stalled on in a phase: its stall gauges, and the phase's 5 worst 100 ms windows
 * with the slow commits around them (printed as they are found).
 */
async function stallsOf(bridge: Child, d: Deliveries, start: number, commitsBefore: number, what: string) {
  const stalls = await scrapeStalls(bridge.url);
  const worst = worstMoments(d.samples, start, bridge.slowCommits ?? []);
  log(
    `${what}: worst commit ${stalls.commitMaxMs} ms of ${stalls.commits - commitsBefore}, longest webhook wait ${stalls.webhookWaitMaxMs} ms, ` +
      `loop stall http/writer ${stalls.httpLoopMaxMs}/${stalls.writerLoopMaxMs} ms, GC pause http/writer ${stalls.httpGcMaxMs}/${stalls.writerGcMaxMs} ms; worst moments:\n${describeMoments(worst)}`,
  );
  return { stalls: { ...stalls, commits: stalls.commits - commitsBefore }, worst };
}

/** Fixed-rate phase: every webhook's end-to-end latency, with the first second apart. */
async function fixedRate(pool: Pool, d: Deliveries, bridge: Child, rate: number, seconds: number) {
  const hooks = buildWebhooks(++phaseNo, rate * seconds, HMAC_KEY);
  d.reset();
  const before = await scrapeStalls(bridge.url);
  const { errors, start } = await sendOnSchedule(
    pool,
    hooks,
    hooks.map((_, i) => (i * 1000) / rate),
    d,
  );
  const lost = await d.drain(DRAIN_MS);
  const { stalls, worst } = await stallsOf(bridge, d, start, before.commits, `${rate}/s`);
  const lat = (from: number, to: number) =>
    summarise(d.samples.filter(([sent]) => sent - start >= from && sent - start < to).map(([sent, at]) => at - sent));
  return {
    rate,
    seconds,
    sent: hooks.length,
    errors,
    lost,
    duplicates: d.duplicates,
    firstSecond: lat(0, 1000),
    warm: lat(1000, Infinity),
    all: lat(0, Infinity),
    loadAverage: load(),
    eventLoopMaxMs: Math.max(stalls.httpLoopMaxMs, stalls.writerLoopMaxMs),
    stalls,
    worst,
  };
}

/**
 * A fresh callbridge on a fresh database, loaded at `rate` from the first moment /readyz says
 * ready: the slowest redirect of each half second, and of the first 2 s.
 */
async function coldStart(
  d: Deliveries,
  opts: Parameters<typeof startCallbridgeProcess>[0],
  rate: number,
  seconds: number,
) {
  const hooks = buildWebhooks(++phaseNo, rate * seconds, HMAC_KEY);
  const bridge = await startCallbridgeProcess(opts);
  children.push(bridge);
  const pool = webhookPool(bridge.url);
  d.reset();
  const { errors, start } = await sendOnSchedule(
    pool,
    hooks,
    hooks.map((_, i) => (i * 1000) / rate),
    d,
  );
  const lost = await d.drain(DRAIN_MS);
  const { stalls, worst } = await stallsOf(bridge, d, start, 0, 'cold start');
  const halves = Array.from({ length: seconds * 2 }, (_, i) =>
    round(Math.max(0, ...d.samples.filter(([s]) => Math.floor((s - start) / 500) === i).map(([s, a]) => a - s))),
  );
  await pool.close();
  await bridge.stop();
  return {
    rate,
    seconds,
    readyMs: bridge.readyMs ?? NaN,
    errors,
    lost,
    duplicates: d.duplicates,
    slowestPerHalfSecond: halves,
    firstTwoSeconds: summarise(d.samples.filter(([s]) => s - start < 2000).map(([s, a]) => a - s)),
    stalls,
    worst,
  };
}

/** Callers ringing at random moments (a Poisson-like storm) within `seconds`. */
async function storm(pool: Pool, d: Deliveries, bridge: Child, callers: number, seconds: number) {
  const hooks = buildWebhooks(++phaseNo, callers, HMAC_KEY);
  const offsets = hooks.map(() => Math.random() * seconds * 1000).sort((a, b) => a - b);
  d.reset();
  const before = await scrapeStalls(bridge.url);
  const { errors, start } = await sendOnSchedule(pool, hooks, offsets, d);
  const lost = await d.drain(DRAIN_MS);
  const { stalls, worst } = await stallsOf(bridge, d, start, before.commits, 'storm');
  // A duplicate would come from a retry: give one a moment to show up.
  await sleep(1000);
  return {
    callers,
    seconds,
    errors,
    lost,
    duplicates: d.duplicates,
    delivered: d.count,
    ringToRedirect: summarise(d.samples.map(([s, a]) => a - s)),
    loadAverage: load(),
    eventLoopMaxMs: Math.max(stalls.httpLoopMaxMs, stalls.writerLoopMaxMs),
    stalls,
    worst,
  };
}

/**
 * Alternating rounds, baseline first, so machine noise lands on all sides alike: the bare baseline,
 * then (when given) the HTTP-only forwarder, then callbridge.
 */
async function throughput(
  basePool: Pool,
  bridge: Contender,
  forwarder: Contender | null,
  d: Deliveries,
  rounds: number,
  roundMs: number,
  simPid: number,
) {
  const out: Array<{
    baseline: number;
    callbridge: number;
    ratio: number;
    forwarder: number | null;
    forwarderCpu: number | null;
    cpuUsPerEvent: CpuPerEvent;
  }> = [];
  const warmupMs = Math.min(1000, roundMs / 4);
  const baseHooks = buildWebhooks(++phaseNo, 20_000, HMAC_KEY);
  // Enough distinct callers for the fastest rate the baseline allows; built before the round starts.
  const hooksFor = (perSecond: number) =>
    buildWebhooks(++phaseNo, Math.ceil((perSecond * roundMs) / 1000 / 2) + 5000, HMAC_KEY);
  // callbridge is warm from the phases before; the forwarder gets one unmeasured round to warm its JIT.
  if (forwarder) await deliveredRound(forwarder, simPid, d, hooksFor(5000), Math.min(2000, roundMs), 0);
  for (let r = 0; r < rounds; r++) {
    const base = await requestThroughput(basePool, baseHooks, { window: CONNECTIONS, durationMs: roundMs, warmupMs });
    let fwd = null;
    if (forwarder) {
      const hooks = hooksFor(base.perSecond);
      await sleep(500);
      fwd = await deliveredRound(forwarder, simPid, d, hooks, roundMs, warmupMs);
    }
    const hooks = hooksFor(base.perSecond);
    await sleep(500);
    const cb = await deliveredRound(bridge, simPid, d, hooks, roundMs, warmupMs);
    out.push({
      baseline: base.perSecond,
      callbridge: cb.perSecond,
      ratio: round(cb.perSecond / base.perSecond, 3),
      forwarder: fwd ? fwd.perSecond : null,
      forwarderCpu: fwd ? fwd.cpuUsPerEvent.callbridge : null,
      cpuUsPerEvent: cb.cpuUsPerEvent,
    });
    const fwdText = fwd
      ? `, HTTP-only forwarder ${fwd.perSecond} delivered/s (CPU µs/event ${JSON.stringify(fwd.cpuUsPerEvent)})`
      : '';
    log(
      `round ${r + 1}: baseline ${base.perSecond} req/s${fwdText}, callbridge ${cb.perSecond} delivered/s; CPU µs/event ${JSON.stringify(cb.cpuUsPerEvent)}`,
    );
    await sleep(500);
  }
  const atRate = forwarder ? await cpuAtOneRate(bridge, forwarder, d, rounds, roundMs, simPid) : null;
  const fwdRates = out.flatMap((o) => (o.forwarder === null ? [] : [o.forwarder]));
  return {
    rounds: out,
    baseline: median(out.map((o) => o.baseline)),
    callbridge: median(out.map((o) => o.callbridge)),
    ratio: median(out.map((o) => o.ratio)),
    forwarder: fwdRates.length ? median(fwdRates) : null,
    forwarderRatio: fwdRates.length ? median(out.map((o) => round((o.forwarder ?? 0) / o.baseline, 3))) : null,
    forwarderCpuUsPerEvent: fwdRates.length
      ? median(out.flatMap((o) => (o.forwarderCpu === null ? [] : [o.forwarderCpu])))
      : null,
    cpuUsPerEvent: {
      callbridge: median(out.map((o) => o.cpuUsPerEvent.callbridge)),
      sim: median(out.map((o) => o.cpuUsPerEvent.sim)),
      loadgen: median(out.map((o) => o.cpuUsPerEvent.loadgen)),
    },
    atRate,
  };
}

/** Rate at which callbridge and the forwarder are compared on the same traffic (both keep up with it). */
const CPU_RATE = 500;

/**
 * Alternating fixed-rate rounds, the forwarder first: each one's CPU per event for the same traffic.
 * They come about a minute after the closed-loop rounds began, so callbridge also fires those
 * calls' ring timeouts (60 s) in them, at the closed loop's rate: an upper bound on its figure.
 */
async function cpuAtOneRate(
  bridge: Contender,
  forwarder: Contender,
  d: Deliveries,
  rounds: number,
  roundMs: number,
  simPid: number,
) {
  const perRound: Array<{ callbridge: number; forwarder: number; errors: number }> = [];
  const hooks = () => buildWebhooks(++phaseNo, Math.round((CPU_RATE * roundMs) / 1000), HMAC_KEY);
  for (let r = 0; r < rounds; r++) {
    const fwd = await fixedRateRound(forwarder, simPid, d, hooks(), CPU_RATE);
    await sleep(500);
    const cb = await fixedRateRound(bridge, simPid, d, hooks(), CPU_RATE);
    await sleep(500);
    const errors = cb.errors + fwd.errors;
    perRound.push({ callbridge: cb.cpuUsPerEvent.callbridge, forwarder: fwd.cpuUsPerEvent.callbridge, errors });
    log(
      `at ${CPU_RATE}/s, round ${r + 1}: CPU µs/event callbridge ${cb.cpuUsPerEvent.callbridge}, forwarder ${fwd.cpuUsPerEvent.callbridge}` +
        (errors > 0 ? ` (${errors} webhooks refused or failed: this round's figures count fewer events)` : ''),
    );
  }
  return {
    rate: CPU_RATE,
    rounds: perRound,
    callbridge: median(perRound.map((p) => p.callbridge)),
    forwarder: median(perRound.map((p) => p.forwarder)),
    ratio: median(perRound.map((p) => round(p.callbridge / p.forwarder, 2))),
  };
}

async function main(): Promise<number> {
  const startedAt = new Date();
  mkdirSync(resultsDir, { recursive: true });
  log(`${quick ? 'quick' : 'full'} run; compiling callbridge`);
  const dist = buildCallbridge();
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-bench-'));
  const pools: Pool[] = [];
  let pg: PgSchema | null = null;
  const d = new Deliveries();
  try {
    const sim = await forkReporting(join(dist, 'sim', 'server.js'), {
      env: { SIM_API_KEY: API_KEY },
      onMessage: (m) => {
        const msg = m as { type?: string; sent?: Array<[string, number]> };
        if (msg.type === 'sent' && msg.sent) d.arrived(msg.sent);
      },
    });
    children.push(sim);
    const baseline = await forkReporting(join(root, 'bench', 'baseline.ts'), { execArgv: ['--import', 'tsx'] });
    children.push(baseline);
    const forwarder = await forkReporting(join(root, 'bench', 'forwarder.ts'), {
      execArgv: ['--import', 'tsx'],
      env: { FORWARD_TO: sim.url, FORWARD_API_KEY: API_KEY },
    });
    children.push(forwarder);
    const dbFile = join(dir, 'bench.db');
    const bridgeOpts = { cli: join(dist, 'cli.js'), dir, gatewayUrl: sim.url, apiKey: API_KEY, hmacKey: HMAC_KEY };
    const clearSim = () => sim.proc.send({ type: 'reset' });
    let cold = null;
    if (want('coldstart')) {
      log(`cold start: 500/s for ${plan.coldSeconds}s from the first moment /readyz says ready`);
      const coldDb = `sqlite:${join(dir, 'cold.db')}`;
      cold = await coldStart(d, { ...bridgeOpts, name: 'cold', database: coldDb }, 500, plan.coldSeconds);
      log(
        `cold start: ready after ${cold.readyMs} ms; slowest redirect per half second ${cold.slowestPerHalfSecond.join(', ')} ms`,
      );
      clearSim();
      await sleep(1000);
    }
    let bridge = await startCallbridgeProcess({ ...bridgeOpts, name: 'sqlite', database: `sqlite:${dbFile}` });
    children.push(bridge);
    const basePool = webhookPool(baseline.url);
    let bridgePool = webhookPool(bridge.url);
    const forwarderPool = webhookPool(forwarder.url);
    pools.push(basePool, bridgePool, forwarderPool);

    const latency = [];
    for (const rate of want('latency') ? plan.rates : []) {
      log(`end-to-end latency at ${rate}/s for ${plan.rateSeconds}s`);
      latency.push(await fixedRate(bridgePool, d, bridge, rate, plan.rateSeconds));
      clearSim();
      await sleep(1000);
    }
    let stormResult = null;
    if (want('storm')) {
      log(`storm: ${plan.stormCallers} callers within ${plan.stormSeconds}s`);
      stormResult = await storm(bridgePool, d, bridge, plan.stormCallers, plan.stormSeconds);
      clearSim();
      await sleep(1000);
    }
    let tput = null;
    if (want('throughput')) {
      log(`throughput: ${plan.rounds} alternating rounds of ${plan.roundMs / 1000}s`);
      const fwd = { pool: forwarderPool, pid: forwarder.proc.pid! };
      tput = await throughput(
        basePool,
        { pool: bridgePool, pid: bridge.proc.pid! },
        fwd,
        d,
        plan.rounds,
        plan.roundMs,
        sim.proc.pid!,
      );
      clearSim();
    }

    let memory = null;
    if (want('memory')) {
      log(`memory: preloading ${plan.history} stored call events`);
      await bridgePool.close();
      await bridge.stop();
      const preload = preloadHistory(dbFile, plan.history);
      log(`preloaded ${preload.added} calls in ${preload.ms} ms; restarting callbridge on that database`);
      bridge = await startCallbridgeProcess({ ...bridgeOpts, name: 'sqlite-history', database: `sqlite:${dbFile}` });
      children.push(bridge);
      bridgePool = webhookPool(bridge.url);
      pools.push(bridgePool);
      const afterStart = memoryOf(bridge.proc.pid!);
      const loadWithHistory = await fixedRate(bridgePool, d, bridge, 500, plan.memorySeconds);
      const afterLoad = memoryOf(bridge.proc.pid!);
      clearSim();
      memory = { storedEvents: plan.history, preloadMs: preload.ms, afterStart, afterLoad, loadWithHistory };
    }

    let postgres = null;
    if (process.env.TEST_DATABASE_URL && want('postgres')) {
      pg = await createPgSchema(process.env.TEST_DATABASE_URL);
      log(`PostgreSQL (schema ${pg.schema}): latency at 500/s and throughput`);
      const pgBridge = await startCallbridgeProcess({ ...bridgeOpts, name: 'postgres', database: pg.url });
      children.push(pgBridge);
      const pgPool = webhookPool(pgBridge.url);
      pools.push(pgPool);
      const lat500 = await fixedRate(pgPool, d, pgBridge, 500, plan.rateSeconds);
      clearSim();
      const pgTput = await throughput(
        basePool,
        { pool: pgPool, pid: pgBridge.proc.pid! },
        null,
        d,
        plan.rounds,
        plan.roundMs,
        sim.proc.pid!,
      );
      clearSim();
      postgres = { latency500: lat500, throughput: pgTput };
    }

    let replicas: ReplicaRun[] | null = null;
    if (process.env.TEST_DATABASE_URL && want('replicas')) {
      replicas = [];
      for (const n of [1, 3]) {
        log(
          `PostgreSQL: ${n} replica(s) on one database behind a round-robin balancer, 500/s in total, then a closed loop`,
        );
        const r = await replicaRun({
          n,
          pgUrl: process.env.TEST_DATABASE_URL,
          bridge: bridgeOpts,
          d,
          phase: (phaseNo += 2) - 1,
          hmacKey: HMAC_KEY,
          rate: 500,
          seconds: plan.rateSeconds,
          roundMs: plan.roundMs,
          children,
        });
        log(`${n} replica(s): ${JSON.stringify(r)}`);
        replicas.push(r);
        clearSim();
        await sleep(1000);
      }
    }

    const results: Results = {
      when: startedAt.toISOString(),
      mode: quick ? 'quick' : 'full',
      machine: machine(),
      coldStart: cold,
      latency,
      storm: stormResult,
      throughput: tput,
      memory,
      postgres,
      replicas,
    };
    const checks = verdicts(results);
    results.verdicts = checks;
    writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(resultsDir, 'latest.md'), renderMarkdown(results));
    console.log(`\n${renderTable(results)}`);
    log(`wrote bench/results/latest.json and latest.md`);
    // Lost or doubled redirects are bugs; missed latency targets are findings, printed above.
    return checks.some((c) => c.kind === 'correctness' && !c.ok) ? 1 : 0;
  } finally {
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
    await Promise.all(children.map((c) => c.stop()));
    if (pg) await pg.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The machine's 1-minute load average: other work on the machine shows here (2 = both cores busy). */
const load = () => round(loadavg()[0]!, 1);

function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: round(totalmem() / 1024 ** 3, 1),
    freeGb: round(freemem() / 1024 ** 3, 1),
    node: process.version,
  };
}

// A guard against a hung run, not a target: on a slow day of a shared VM a quick run took over
// 3 minutes (saturated phases drain for up to DRAIN_MS each) and a full one 7.5.
const deadline = setTimeout(
  () => {
    console.error('bench: exceeded its time limit; stopping');
    for (const c of children) c.proc.kill('SIGKILL');
    process.exit(2);
  },
  (quick ? 10 : 30) * 60_000,
);
deadline.unref();

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
