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
  verdicts?: Verdict[];
}

export function verdicts(r: Results): Verdict[] {
  const out: Verdict[] = [];
  const at = (rate: number) => r.latency.find((l) => l.rate === rate);
  for (const [rate, limit] of [
    [500, 10],
    [1000, 50],
  ] as const) {
    const l = at(rate);
    if (l)
      out.push({
        what: `p99 end-to-end at ${rate}/s, warm`,
        target: `< ${limit} ms`,
        value: `${l.warm.p99} ms`,
        ok: l.warm.p99 < limit,
        kind: 'performance',
      });
  }
  if (r.throughput) {
    const ratio = r.throughput.ratio;
    out.push({
      what: 'delivered throughput / bare Fastify',
      target: '>= 25%',
      value: `${Math.round(ratio * 100)}%`,
      ok: ratio >= 0.25,
      kind: 'performance',
    });
  }
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
      target: '< 1000 ms',
      value: `${s.ringToRedirect.p99} ms`,
      ok: s.ringToRedirect.p99 < 1000,
      kind: 'performance',
    });
  }
  const phases = [
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
  if (r.memory) {
    const rss = r.memory.afterLoad?.rssMb ?? NaN;
    out.push({
      what: `RSS after ${r.memory.storedEvents.toLocaleString('en')} stored events + load`,
      target: '< 250 MB',
      value: `${rss} MB`,
      ok: rss < 250,
      kind: 'performance',
    });
  }
  return out;
}

const ms = (l: Latency) => `${l.p50} / ${l.p95} / ${l.p99} / ${l.max}`;
/** How busy the machine was, and the longest stall of callbridge's own event loop in the phase. */
const context = (p: { loadAverage: number; eventLoopMaxMs: number }) =>
  `  (load avg ${p.loadAverage}, longest loop stall ${p.eventLoopMaxMs} ms)`;

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
    const c = t.cpuUsPerEvent;
    out.push(['CPU µs per delivered event: callbridge / sim / load gen', `${c.callbridge} / ${c.sim} / ${c.loadgen}`]);
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
