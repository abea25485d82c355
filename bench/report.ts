import type { ReplicaRun } from './replicas.js';
import type { Moment, PhaseStalls } from './stalls.js';
import type { Latency } from './stats.js';

interface RatePhase {
  rate: number;
  seconds: number;
  sent: number;
  errors: number;
  lost: number;
  duplicates: number;
  firstSecond: Latency;
  warm: Latency;
  all: Latency;
  loadAverage: number;
  eventLoopMaxMs: number;
  stalls: PhaseStalls;
  worst: Moment[];
}

export interface CpuPerEvent {
  callbridge: number;
  sim: number;
  loadgen: number;
}

interface ThroughputResult {
  rounds: Array<{
    baseline: number;
    callbridge: number;
    ratio: number;
    forwarder: number | null;
    cpuUsPerEvent: CpuPerEvent;
  }>;
  baseline: number;
  callbridge: number;
  ratio: number;
  /** The HTTP-only forwarder (the same three exchanges, nothing stored): the ceiling on this machine. */
  forwarder: number | null;
  forwarderRatio: number | null;
  cpuUsPerEvent: CpuPerEvent;
  /** The forwarder's own CPU per delivered event (median of rounds), µs. */
  forwarderCpuUsPerEvent: number | null;
  /** Both at one fixed rate, alternating: each one's CPU per event for the same traffic (medians of rounds). */
  atRate?: { rate: number; callbridge: number; forwarder: number; ratio: number } | null;
}

export interface Verdict {
  what: string;
  target: string;
  value: string;
  ok: boolean;
  /** Correctness failures fail the run; performance misses are reported. */
  kind: 'correctness' | 'performance';
}

export interface Results {
  when: string;
  mode: 'quick' | 'full';
  machine: { cpu: string; cores: number; memoryGb: number; freeGb: number; node: string };
  coldStart: null | {
    rate: number;
    seconds: number;
    readyMs: number;
    errors: number;
    lost: number;
    duplicates: number;
    slowestPerHalfSecond: number[];
    firstTwoSeconds: Latency;
    stalls: PhaseStalls;
    worst: Moment[];
  };
  latency: RatePhase[];
  storm: null | {
    callers: number;
    seconds: number;
    errors: number;
    lost: number;
    duplicates: number;
    delivered: number;
    ringToRedirect: Latency;
    loadAverage: number;
    eventLoopMaxMs: number;
    stalls: PhaseStalls;
    worst: Moment[];
  };
  throughput: ThroughputResult | null;
  memory: null | {
    storedEvents: number;
    preloadMs: number;
    afterStart: { rssMb: number; hwmMb: number } | null;
    afterLoad: { rssMb: number; hwmMb: number } | null;
    loadWithHistory: RatePhase;
  };
  postgres: { latency500: RatePhase; throughput: ThroughputResult } | null;
  replicas: ReplicaRun[] | null;
  verdicts?: Verdict[];
}

export function verdicts(r: Results): Verdict[] {
  const out: Verdict[] = [];
  const at = (rate: number) => r.latency.find((l) => l.rate === rate);
  const perf = (what: string, target: string, value: string, ok: boolean) =>
    out.push({ what, target, value, ok, kind: 'performance' });
  const c = r.coldStart;
  if (c)
    perf(
      'cold start: slowest redirect of the first 2 s',
      '< 250 ms',
      `${c.firstTwoSeconds.max} ms`,
      c.firstTwoSeconds.max < 250,
    );
  const w500 = at(500)?.warm;
  if (w500) {
    const ratio = w500.p99 / w500.p50;
    // A phase that fell behind has a queue for its median, and then the ratio says nothing.
    const keptUp = w500.p50 <= 100;
    perf(
      '500/s warm: p99 / p50',
      '<= 3x',
      `${round1(ratio)}x${keptUp ? '' : ` (p50 ${w500.p50} ms: the phase queued)`}`,
      keptUp && ratio <= 3,
    );
    perf('500/s warm: max', '<= 100 ms', `${w500.max} ms`, w500.max <= 100);
  }
  const w1000 = at(1000)?.warm;
  if (w1000) perf('p99 end-to-end at 1000/s, warm', '<= 50 ms', `${w1000.p99} ms`, w1000.p99 <= 50);
  // Every phase that records its commits, on either database, named with the worst.
  const commits = (
    [
      ['cold start', c?.stalls],
      ...r.latency.map((l) => [`${l.rate}/s`, l.stalls]),
      ['storm', r.storm?.stalls],
      ['500/s on the stored history', r.memory?.loadWithHistory.stalls],
      ['PostgreSQL 500/s', r.postgres?.latency500.stalls],
    ] as Array<[string, PhaseStalls | undefined]>
  ).filter((e): e is [string, PhaseStalls] => e[1] !== undefined);
  if (commits.length) {
    const [phase, worst] = commits.reduce((a, b) => (b[1].commitMaxMs > a[1].commitMaxMs ? b : a));
    perf('worst commit in the run', '< 100 ms', `${worst.commitMaxMs} ms (${phase})`, worst.commitMaxMs < 100);
  }
  const t = r.throughput;
  if (t && t.forwarder !== null) {
    perf(
      'delivered / HTTP-only forwarder',
      '>= 60%',
      `${Math.round((t.callbridge / t.forwarder) * 100)}%`,
      t.callbridge >= 0.6 * t.forwarder,
    );
    const fwdCpu = t.forwarderCpuUsPerEvent;
    if (fwdCpu !== null) {
      const x = t.cpuUsPerEvent.callbridge / fwdCpu;
      perf('CPU per delivered event / forwarder', '<= 1.7x', `${round1(x)}x`, x <= 1.7);
    }
  }
  const pg = r.postgres?.throughput;
  if (pg && t)
    perf(
      'PostgreSQL, 1 replica: delivered / SQLite',
      '>= 50%',
      `${Math.round((pg.callbridge / t.callbridge) * 100)}%`,
      pg.callbridge >= 0.5 * t.callbridge,
    );
  const s = r.storm;
  if (s) {
    out.push({
      what: `storm: ${s.callers} callers redirected`,
      target: 'all',
      value: `${s.delivered} (${s.lost} lost)`,
      ok: s.lost === 0 && s.errors === 0,
      kind: 'correctness',
    });
    out.push({
      what: 'storm: redirected twice',
      target: '0',
      value: String(s.duplicates),
      ok: s.duplicates === 0,
      kind: 'correctness',
    });
    out.push({
      what: 'storm: p99 ring-to-redirect',
      target: '<= 100 ms',
      value: `${s.ringToRedirect.p99} ms`,
      ok: s.ringToRedirect.p99 <= 100,
      kind: 'performance',
    });
  }
  const phases = [
    ...(r.coldStart ? [r.coldStart] : []),
    ...r.latency,
    ...(r.memory ? [r.memory.loadWithHistory] : []),
    ...(r.postgres ? [r.postgres.latency500] : []),
  ];
  const lost = phases.reduce((n, p) => n + p.lost + p.errors + p.duplicates, 0);
  if (phases.length)
    out.push({
      what: 'fixed-rate phases: lost, failed or doubled',
      target: '0',
      value: String(lost),
      ok: lost === 0,
      kind: 'correctness',
    });
  const one = r.replicas?.find((x) => x.replicas === 1);
  const three = r.replicas?.find((x) => x.replicas === 3);
  if (one && three) {
    perf(
      '3 PostgreSQL replicas deliver at least as much as 1',
      '>= 1x',
      `${round1(three.delivered / one.delivered)}x`,
      three.delivered >= one.delivered,
    );
    perf(
      '3 PostgreSQL replicas: p99 at 500/s in total, warm',
      '<= 50 ms',
      `${three.warm.p99} ms`,
      three.warm.p99 <= 50,
    );
  }
  for (const x of r.replicas ?? [])
    out.push({
      what: `${x.replicas} PostgreSQL replica(s): lost, failed or doubled`,
      target: '0',
      value: String(x.lost + x.errors + x.duplicates),
      ok: x.lost + x.errors + x.duplicates === 0,
      kind: 'correctness',
    });
  if (r.memory) {
    const rss = r.memory.afterLoad?.rssMb ?? NaN;
    out.push({
      what: `RSS after ${r.memory.storedEvents.toLocaleString('en')} stored events + load`,
      target: '<= 200 MB',
      value: `${rss} MB`,
      ok: rss <= 200,
      kind: 'performance',
    });
  }
  return out;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const ms = (l: Latency) => `${l.p50} / ${l.p95} / ${l.p99} / ${l.max}`;
/** How busy the machine was, and the longest stall of callbridge's own event loop in the phase. */
const context = (p: { loadAverage: number; eventLoopMaxMs: number; stalls: PhaseStalls }) =>
  `  (load avg ${p.loadAverage}, longest loop stall ${p.eventLoopMaxMs} ms, worst commit ${p.stalls.commitMaxMs} ms)`;

function rows(r: Results): string[][] {
  const out: string[][] = [['measure', 'value']];
  const t = r.throughput;
  if (t) {
    out.push(['bare Fastify baseline (median of rounds)', `${t.baseline} req/s`]);
    out.push(['callbridge delivered (median of rounds)', `${t.callbridge} events/s`]);
    out.push([
      'ratio (median of per-round ratios)',
      `${Math.round(t.ratio * 100)}%  [${t.rounds.map((x) => Math.round(x.ratio * 100)).join(', ')}]`,
    ]);
    if (t.forwarder !== null && t.forwarderRatio !== null) {
      out.push([
        'HTTP-only forwarder delivered (median of rounds)',
        `${t.forwarder} events/s = ${Math.round(t.forwarderRatio * 100)}% of baseline`,
      ]);
      out.push(['callbridge / HTTP-only forwarder', `${Math.round((t.callbridge / t.forwarder) * 100)}%`]);
    }
    const cpu = t.cpuUsPerEvent;
    out.push([
      'CPU µs per delivered event: callbridge / sim / load gen',
      `${cpu.callbridge} / ${cpu.sim} / ${cpu.loadgen}`,
    ]);
    if (t.forwarderCpuUsPerEvent !== null)
      out.push(['CPU µs per delivered event: HTTP-only forwarder', `${t.forwarderCpuUsPerEvent}`]);
    if (t.atRate)
      out.push([
        `CPU µs per event, both at ${t.atRate.rate}/s (cb also fires earlier rounds' ring timeouts)`,
        `${t.atRate.callbridge} / ${t.atRate.forwarder} = ${t.atRate.ratio}x`,
      ]);
  }
  const c = r.coldStart;
  if (c) {
    out.push([`cold start: ready after (ms)`, `${c.readyMs}`]);
    out.push([`cold start ${c.rate}/s: slowest redirect per half second (ms)`, c.slowestPerHalfSecond.join(', ')]);
    out.push([`cold start first 2 s p50/p95/p99/max ms`, ms(c.firstTwoSeconds)]);
  }
  for (const l of r.latency) {
    out.push([`${l.rate}/s first second p50/p95/p99/max ms`, ms(l.firstSecond)]);
    out.push([`${l.rate}/s warm p50/p95/p99/max ms`, ms(l.warm) + context(l)]);
  }
  if (r.storm) {
    out.push([
      `storm ${r.storm.callers} in ${r.storm.seconds}s ring-to-redirect p50/p95/p99/max ms`,
      ms(r.storm.ringToRedirect) + context(r.storm),
    ]);
    out.push(['storm redirected / lost / twice', `${r.storm.delivered} / ${r.storm.lost} / ${r.storm.duplicates}`]);
  }
  const m = r.memory;
  if (m) {
    out.push([
      `RSS after start on ${m.storedEvents.toLocaleString('en')} events (MB)`,
      `${m.afterStart?.rssMb ?? '?'}`,
    ]);
    out.push([`RSS / peak after 500/s load on it (MB)`, `${m.afterLoad?.rssMb ?? '?'} / ${m.afterLoad?.hwmMb ?? '?'}`]);
    out.push([`500/s with that history p50/p95/p99/max ms`, ms(m.loadWithHistory.warm) + context(m.loadWithHistory)]);
  }
  if (r.postgres) {
    out.push([
      'PostgreSQL: 500/s warm p50/p95/p99/max ms',
      ms(r.postgres.latency500.warm) + context(r.postgres.latency500),
    ]);
    out.push([
      'PostgreSQL: delivered / ratio',
      `${r.postgres.throughput.callbridge} events/s / ${Math.round(r.postgres.throughput.ratio * 100)}%`,
    ]);
  }
  for (const x of r.replicas ?? []) {
    out.push([`PostgreSQL, ${x.replicas} replica(s): 500/s in total, warm p50/p95/p99/max ms`, ms(x.warm)]);
    out.push([
      `PostgreSQL, ${x.replicas} replica(s): delivered, CPU µs/event callbridge / postgres`,
      `${x.delivered} events/s, ${x.cpuUsPerEvent.callbridge} / ${x.cpuUsPerEvent.postgres}`,
    ]);
  }
  return out;
}

export function renderTable(r: Results): string {
  const all = rows(r);
  const width = Math.max(...all.map((x) => x[0]!.length));
  const lines = all.map(([a, b]) => `${a!.padEnd(width)}  ${b}`);
  lines.splice(1, 0, '-'.repeat(width + 30));
  const checks = (r.verdicts ?? []).map((v) => `${v.ok ? 'PASS' : 'MISS'}  ${v.what}: ${v.value} (target ${v.target})`);
  return [
    `callbridge benchmark (${r.mode}), ${r.machine.cores} x ${r.machine.cpu}, node ${r.machine.node}`,
    ...lines,
    '',
    ...checks,
  ].join('\n');
}

export function renderMarkdown(r: Results): string {
  const table = rows(r).map((x, i) => `| ${x.join(' | ')} |${i === 0 ? '\n| --- | --- |' : ''}`);
  const checks = (r.verdicts ?? []).map(
    (v) => `| ${v.ok ? 'pass' : '**miss**'} | ${v.what} | ${v.value} | ${v.target} |`,
  );
  return [
    `# callbridge benchmark, ${r.mode} run, ${r.when}`,
    '',
    `Machine: ${r.machine.cores} x ${r.machine.cpu}, ${r.machine.memoryGb} GB RAM, Node ${r.machine.node}. SQLite, synchronous=FULL.`,
    '',
    ...table,
    '',
    '| verdict | check | value | target |',
    '| --- | --- | --- | --- |',
    ...checks,
    '',
  ].join('\n');
}
