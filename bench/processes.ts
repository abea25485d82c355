import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import type { SlowCommit } from './stalls.js';

/** A child process the benchmark started, and how to stop it. */
export interface Child {
  proc: ChildProcess;
  url: string;
  stop(): Promise<void>;
  /** callbridge only: the commits it logged as slow, as they come. */
  slowCommits?: SlowCommit[];
  /** callbridge only: ms from its start to /readyz answering 200. */
  readyMs?: number;
}

const cpuProfDir = process.env.BENCH_CPU_PROF;

function stopper(proc: ChildProcess) {
  return async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    // A child that does not finish in time is killed: every phase of the run is bounded.
    await Promise.race([exited, sleep(15_000).then(() => proc.kill('SIGKILL'))]);
  };
}

/** Forks a script that reports `{ type: 'ready', url }` over IPC once it listens. */
export async function forkReporting(
  script: string,
  opts: { env?: Record<string, string>; execArgv?: string[]; onMessage?: (m: unknown) => void } = {},
): Promise<Child> {
  const proc = fork(script, [], {
    env: { ...process.env, ...opts.env },
    execArgv: opts.execArgv ?? [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not report ready within 20s`)), 20_000);
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
    proc.on('message', (m: { type?: string; url?: string }) => {
      if (m.type === 'ready' && m.url) {
        clearTimeout(timer);
        resolve(m.url);
      } else opts.onMessage?.(m);
    });
  });
  return { proc, url, stop: stopper(proc) };
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  await new Promise((r) => srv.close(r));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

export interface CallbridgeOptions {
  /** The compiled CLI (`dist/cli.js`): the benchmark measures what `npm start` runs. */
  cli: string;
  dir: string;
  name: string;
  database: string;
  gatewayUrl: string;
  apiKey: string;
  hmacKey: string;
  /** The gateway pool's connections; callbridge's default (16) when unset. */
  connections?: number;
}

/** Writes a config file and runs `callbridge serve` on it; ready once /readyz answers 200. */
export async function startCallbridgeProcess(o: CallbridgeOptions): Promise<Child> {
  const port = await freePort();
  const file = join(o.dir, `${o.name}.yaml`);
  writeFileSync(
    file,
    stringify({
      // BENCH_WARMUP=0 starts it without its warm-up, to measure what the warm-up buys.
      http: {
        host: '127.0.0.1',
        port,
        ...(process.env.BENCH_WARMUP ? { warmUp: Number(process.env.BENCH_WARMUP) } : {}),
      },
      database: o.database,
      log: { level: 'info' },
      gateways: {
        local: {
          type: 'waha',
          url: o.gatewayUrl,
          apiKey: o.apiKey,
          hmacKey: o.hmacKey,
          ...(o.connections ? { connections: o.connections } : {}),
        },
      },
      sessions: { default: { gateway: 'local' } },
    }),
  );
  const execArgv = cpuProfDir
    ? // A folder per process: each of its threads writes a profile there under its own name (pid, thread id).
      ['--cpu-prof', `--cpu-prof-dir=${join(cpuProfDir, `${o.name}-${Date.now()}`)}`]
    : [];
  // BENCH_NODE_ARGS="--max-semi-space-size=32": Node flags for callbridge alone (not the sim, nor the load).
  if (process.env.BENCH_NODE_ARGS) execArgv.push(...process.env.BENCH_NODE_ARGS.split(' '));
  const started = performance.now();
  const proc = fork(o.cli, ['serve', '--config', file], {
    env: { ...process.env, DATABASE_URL: '' },
    execArgv,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  // Its warnings and errors pass through (info: its start-up lines), but its slow commits are kept: the worst moments are told with them.
  const slowCommits: SlowCommit[] = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    if (line.includes('"slow commit')) slowCommits.push((JSON.parse(line) as { commit: SlowCommit }).commit);
    else if (!line.includes('"level":30')) console.log(line);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  // Polled often: the cold-start phase loads it from the first moment it says ready.
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`callbridge exited with ${proc.exitCode} during start`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('callbridge did not answer /readyz within 30s');
    await sleep(10);
  }
  return { proc, url, stop: stopper(proc), slowCommits, readyMs: Math.round(performance.now() - started) };
}

/**
 * A process's memory from /proc/<pid>/status (Linux), in MB: resident now (VmRSS), of which file
 * pages (RssFile, the node binary's mostly), and the most ever resident (VmHWM). Null when gone.
 */
export function procMemoryMb(pid: number): { rss: number; file: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
    return { rss: mb('VmRSS'), file: mb('RssFile'), peak: mb('VmHWM') };
  } catch {
    return null;
  }
}

/** Resident and peak resident memory of a process, in whole MB (the bench report's figures). */
export function memoryOf(pid: number): { rssMb: number; hwmMb: number } | null {
  const m = procMemoryMb(pid);
  return m && { rssMb: Math.round(m.rss), hwmMb: Math.round(m.peak) };
}

/**
 * The fields of /proc/<pid>/stat after the command name (which may contain spaces), as numbers:
 * [0] the state, [1] the parent's pid, [11] and [12] utime and stime, [13] and [14] those of its
 * reaped children, in clock ticks. Null where there is no such process (or no /proc).
 */
export function procStat(pid: number): number[] | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ').map(Number);
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system) a process has used so far, in ms, from /proc (Linux; NaN elsewhere).
 * With `reaped`, also that of its children that have exited and been waited for.
 */
export function cpuMsOf(pid: number, opts: { reaped?: boolean } = {}): number {
  const f = procStat(pid);
  if (!f) return NaN;
  const ticks = f[11]! + f[12]! + (opts.reaped ? f[13]! + f[14]! : 0);
  return (ticks * 1000) / 100;
}

/**
 * The longest event-loop stall of callbridge since the previous call, in ms, from its /metrics
 * (prom-client resets the lag histogram on every scrape). A stall inside callbridge (a slow
 * fsync) shows here; a process merely waiting for a busy CPU does not.
 */
export async function eventLoopMaxMs(url: string): Promise<number> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('nodejs_eventloop_lag_max_seconds '));
    return line ? Math.round(Number(line.split(' ')[1]) * 1000) : NaN;
  } catch {
    return NaN;
  }
}
