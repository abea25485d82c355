import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A callbridge process started with the CLI, as it would be deployed. */
export interface Replica {
  name: string;
  url: string;
  process: ChildProcess;
  /** Lines it wrote at level warn or above, to show when a test fails. */
  problems: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startReplica(name: string, dir: string, config: object, timeoutMs = 20_000): Promise<Replica> {
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
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${timeoutMs}ms: ${stderr}`)),
      timeoutMs,
    );
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
