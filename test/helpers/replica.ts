import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { API_KEY, HMAC_KEY, TOKEN, testSession } from './harness.js';

/**
 * A replica's configuration on `databaseUrl`: one WAHA gateway, the default session, and a short
 * lease so that a killed replica's claims are taken over within a test. `session` and `gateway`
 * add to (and override) the defaults of each.
 */
export function replicaConfig(
  databaseUrl: string,
  gatewayUrl: string,
  tweak: { session?: Record<string, unknown>; gateway?: Record<string, unknown> } = {},
): object {
  return {
    // A short warm-up: enough to run rehearsals on PostgreSQL beside other replicas, not to JIT-compile.
    http: { host: '127.0.0.1', port: 0, warmUp: 50 },
    database: { url: databaseUrl, poolSize: 5 },
    api: { token: TOKEN },
    log: { level: 'info' },
    gateways: { local: { type: 'waha', url: gatewayUrl, apiKey: API_KEY, hmacKey: HMAC_KEY, ...tweak.gateway } },
    sessions: { default: { ...testSession, ...tweak.session } },
    dispatch: { retryInitial: '50ms', retryMax: '200ms', pollInterval: '100ms', lease: '2s' },
  };
}

/** A callbridge process started with the CLI, as it would be deployed. */
export interface Replica {
  name: string;
  url: string;
  process: ChildProcess;
  /** Lines it wrote at level warn or above, to show when a test fails. */
  problems: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startReplica(name: string, dir: string, config: object, timeoutMs = 40_000): Promise<Replica> {
  const file = join(dir, `${name}.yaml`);
  // JSON is YAML.
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--config', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: '' },
  });
  const problems: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A process that never said it listens is not the test's to forget: it would run on, orphaned.
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs}ms: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} at start: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { level: number; msg: string };
      if (entry.level >= 40) problems.push(line);
      const m = /callbridge listening on (http:\/\/\S+)/.exec(entry.msg);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return {
    name,
    url,
    process: child,
    problems,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
