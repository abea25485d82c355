import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { buildWebhooks, Deliveries, DRAIN_MS, sendOnSchedule, webhookPool } from './load.js';
import { preloadHistory } from './preload.js';
import { forkReporting, procMemoryMb, startCallbridgeProcess, type Child } from './processes.js';

/**
 * Where callbridge's resident memory goes (issue 13): RSS from /proc and each isolate's heap (through
 * PROBE), idle on an empty database, idle on one holding `--history` stored events, and
 * after a burst of webhooks on it. Several `--cli` (built trees, e.g. before and after a change) are
 * measured in turns, `--rounds` times, so that they are compared within one run of a noisy machine.
 *
 *   npx tsx bench/memory.ts [--cli dist/cli.js ...] [--history 1000000] [--db file] [--rounds 2]
 *
 * Without `--cli` it builds dist/ and measures that. `--db` keeps the preloaded database for the next
 * run (each run works on a copy). `--late 30` takes one more snapshot that long after the burst.
 * `--arena-max 2` measures each `--cli` a second time with MALLOC_ARENA_MAX=2 (glibc's malloc arenas);
 * `--node-args=--max-old-space-size=512` a second time with those Node flags (a deployment knob; the
 * `=` form, since the value starts with a dash).
 * `peak` is VmHWM, the most ever resident: unlike RSS at one moment, it does not depend on whether
 * V8 happened to collect just before the reading.
 */
const { values: args } = parseArgs({
  options: {
    cli: { type: 'string', multiple: true },
    history: { type: 'string', default: '1000000' },
    db: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    'arena-max': { type: 'string' },
    'node-args': { type: 'string' },
    late: { type: 'string' },
  },
});
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const API_KEY = 'bench-api-key';
const HMAC_KEY = 'bench-hmac-key';
const history = Number(args.history);
const late = Number(args.late ?? 0);
const log = (msg: string) => console.log(`[memory ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/**
 * Loaded with `--require` into callbridge, so in every isolate (Node runs --require preloads in worker
 * threads too, not --import): on SIGUSR2 to the process, each isolate writes its heap figures and its GC
 * time so far to $MEMPROBE_DIR/<pid>.<threadId>.json, after a full GC when $MEMPROBE_DIR/mode says "gc".
 */
const PROBE = `const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { PerformanceObserver } = require('node:perf_hooks');
const v8 = require('node:v8');
const { isMainThread, threadId, workerData } = require('node:worker_threads');

const dir = process.env.MEMPROBE_DIR;
if (dir) {
  // GC time since start, the price of a smaller heap.
  const gcs = { count: 0, ms: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcs.count++;
      gcs.ms += e.duration;
      gcs.maxMs = Math.max(gcs.maxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  const report = () => {
    let mode = '';
    try {
      mode = readFileSync(join(dir, 'mode'), 'utf8').trim();
    } catch {
      // no mode file: no GC first
    }
    const gcSoFar = { ...gcs };
    if (mode === 'gc' && typeof globalThis.gc === 'function') globalThis.gc();
    const heap = v8.getHeapStatistics();
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
    const mu = process.memoryUsage();
    const data = workerData && typeof workerData === 'object' ? Object.keys(workerData) : [];
    writeFileSync(
      join(dir, \`\${process.pid}.\${threadId}.json\`),
      JSON.stringify({ threadId, data, heap, spaces, gc: gcSoFar, external: mu.external }),
    );
  };
  const channel = new BroadcastChannel('callbridge-memprobe');
  channel.unref();
  channel.onmessage = report;
  if (isMainThread)
    process.on('SIGUSR2', () => {
      channel.postMessage('report');
      report();
    });
}
`;

const dir = mkdtempSync(join(tmpdir(), 'callbridge-memory-'));
const probeDir = join(dir, 'probe');
mkdirSync(probeDir);
writeFileSync(join(dir, 'probe.cjs'), PROBE);
process.env.MEMPROBE_DIR = probeDir;
const probeArgs = `--expose-gc --require ${join(dir, 'probe.cjs')}`;

const clis =
  args.cli ??
  (() => {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    return [join(root, 'dist', 'cli.js')];
  })();

interface Isolate {
  threadId: number;
  data: string[];
  heap: { total_physical_size: number; used_heap_size: number };
  spaces: Record<string, number>;
  gc: { count: number; ms: number; maxMs: number };
  external: number;
}

const mb = (bytes: number) => Math.round((bytes / 1024 ** 2) * 10) / 10;

function status(pid: number) {
  const m = procMemoryMb(pid);
  if (!m) throw new Error(`callbridge (pid ${pid}) is gone`);
  return m;
}

/** Each isolate's heap, as the probe wrote it on SIGUSR2 (after a full GC when `gc`). */
async function isolates(pid: number, gc: boolean): Promise<Isolate[]> {
  for (const f of readdirSync(probeDir)) rmSync(join(probeDir, f));
  writeFileSync(join(probeDir, 'mode'), gc ? 'gc' : '');
  process.kill(pid, 'SIGUSR2');
  await sleep(1000);
  return readdirSync(probeDir)
    .filter((f) => f.startsWith(`${pid}.`))
    .map((f) => JSON.parse(readFileSync(join(probeDir, f), 'utf8')) as Isolate)
    .sort((a, b) => a.threadId - b.threadId);
}

/** The writer is started with a url; the checkpointer, then (lazily) the stats thread, with a file. */
function nameOf(i: Isolate, all: Isolate[]): string {
  if (i.threadId === 0) return 'http';
  if (i.data.includes('url')) return 'writer';
  return all.find((o) => o.threadId !== 0 && !o.data.includes('url')) === i ? 'checkpointer' : 'stats';
}

/** One row: RSS, then each isolate's resident heap (and code space), before and after a full GC. */
async function snapshot(bridge: Child, label: string) {
  const pid = bridge.proc.pid!;
  const before = status(pid);
  const live = await isolates(pid, false);
  const collected = await isolates(pid, true);
  const after = status(pid);
  const heapOf = (list: Isolate[]) => list.reduce((s, i) => s + i.heap.total_physical_size, 0);
  const row: Record<string, number | string> = {
    label,
    rss: mb(before.rss * 1024 ** 2),
    rssAfterGc: mb(after.rss * 1024 ** 2),
    rssFile: mb(after.file * 1024 ** 2),
    peak: mb(before.peak * 1024 ** 2),
  };
  for (const i of live) {
    const name = nameOf(i, live);
    row[`${name}Heap`] = mb(i.heap.total_physical_size);
    row[`${name}Gcs`] = i.gc.count;
    row[`${name}GcMs`] = Math.round(i.gc.ms);
    row[`${name}GcMaxMs`] = Math.round(i.gc.maxMs * 10) / 10;
  }
  for (const i of collected) {
    const name = nameOf(i, collected);
    row[`${name}HeapAfterGc`] = mb(i.heap.total_physical_size);
    row[`${name}Used`] = mb(i.heap.used_heap_size);
    row[`${name}Code`] = mb((i.spaces.code_space ?? 0) + (i.spaces.code_large_object_space ?? 0));
    row[`${name}New`] = mb(i.spaces.new_space ?? 0);
  }
  row.external = mb(collected.find((i) => i.threadId === 0)?.external ?? 0);
  // What no V8 heap holds: malloc (SQLite's page caches and statements, buffers), thread stacks, the binary.
  row.outsideHeaps = mb((after.rss - heapOf(collected) / 1024 ** 2) * 1024 ** 2);
  log(`${label}: ${JSON.stringify(row)}`);
  return row;
}

const settle = () => sleep(3000);

async function main() {
  const sim = await forkReporting(join(dirname(clis[0]!), 'sim', 'server.js'), {
    env: { SIM_API_KEY: API_KEY },
    onMessage: (m) => {
      const msg = m as { type?: string; sent?: Array<[string, number]> };
      if (msg.type === 'sent' && msg.sent) d.arrived(msg.sent);
    },
  });
  const d = new Deliveries();
  const opts = { dir, gatewayUrl: sim.url, apiKey: API_KEY, hmacKey: HMAC_KEY };
  const historyDb = args.db ?? join(dir, 'history.db');
  const events = existsSync(historyDb)
    ? (new SQLite(historyDb, { readonly: true }).prepare('select count(*) as n from events').get() as { n: number }).n
    : 0;
  if (events < history) {
    // Started once, callbridge creates and migrates the file the preload writes into.
    const first = await startCallbridgeProcess({
      ...opts,
      cli: clis[0]!,
      name: 'migrate',
      database: `sqlite:${historyDb}`,
    });
    await first.stop();
    log(`preloading ${history} stored events into ${historyDb}`);
    const { added, ms } = preloadHistory(historyDb, history);
    log(`preloaded ${added} in ${ms} ms`);
  }
  const arenaMax = args['arena-max'];
  const nodeArgs = args['node-args'];
  const variants = clis.flatMap((cli) => [
    { cli, arenas: '', flags: '' },
    ...(arenaMax ? [{ cli, arenas: arenaMax, flags: '' }] : []),
    ...(nodeArgs ? [{ cli, arenas: '', flags: nodeArgs }] : []),
  ]);
  const rows: Array<Record<string, number | string>> = [];
  let phase = 0;
  try {
    for (let round = 0; round < Number(args.rounds); round++) {
      for (const [n, { cli, arenas, flags }] of variants.entries()) {
        const tag = `${n}:${round}`;
        if (arenas) process.env.MALLOC_ARENA_MAX = arenas;
        else delete process.env.MALLOC_ARENA_MAX;
        process.env.BENCH_NODE_ARGS = flags ? `${probeArgs} ${flags}` : probeArgs;
        const name = `cli${clis.indexOf(cli)}${arenas ? ` arenas=${arenas}` : ''}${flags ? ` ${flags}` : ''}`;
        const empty = await startCallbridgeProcess({
          ...opts,
          cli,
          name: `empty${tag}`,
          database: `sqlite:${join(dir, `empty${tag}.db`)}`,
        });
        await settle();
        rows.push(await snapshot(empty, `${name} idle, empty`));
        await empty.stop();

        // A copy each: what one run left due (ring timers, follow-ups) would be the next one's work at start.
        const db = join(dir, `history${tag}.db`);
        copyFileSync(historyDb, db);
        const bridge = await startCallbridgeProcess({ ...opts, cli, name: `history${tag}`, database: `sqlite:${db}` });
        await settle();
        rows.push(await snapshot(bridge, `${name} idle, ${history} events`));
        const pool = webhookPool(bridge.url);
        const rate = Number(args.rate);
        const hooks = buildWebhooks(500 + ++phase, rate * Number(args.seconds), HMAC_KEY);
        d.reset();
        const { errors } = await sendOnSchedule(
          pool,
          hooks,
          hooks.map((_, i) => (i * 1000) / rate),
          d,
        );
        const lost = await d.drain(DRAIN_MS);
        await pool.close();
        if (errors || lost) log(`burst: ${errors} errors, ${lost} not delivered`);
        await settle();
        rows.push(await snapshot(bridge, `${name} after ${hooks.length} webhooks at ${rate}/s`));
        if (late) {
          await sleep(late * 1000);
          rows.push(await snapshot(bridge, `${name} ${late}s later`));
        }
        await bridge.stop();
        for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
        sim.proc.send({ type: 'reset' });
      }
    }
  } finally {
    await sim.stop();
  }
  console.table(rows);
  rmSync(dir, { recursive: true, force: true });
}

await main();
