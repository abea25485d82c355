import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const CLI = resolve('src/cli.ts');

export interface CliOptions {
  /** The whole environment of the process (PATH is added); nothing of the test runner's leaks in. */
  env?: Record<string, string>;
  /** Killed after this, so a command that hangs fails its test instead of the suite's timeout. */
  deadlineMs?: number;
}

const childEnv = (env: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', ...env });

/**
 * For the tests that run the command line: each run compiles the sources with tsx and starts a
 * process, 3-16 s apiece when the suite's other files share two slow cores, so a test that starts
 * callbridge twice went past vitest's default 30 s. These are deadlines, not expectations.
 */
export const CLI_TEST = { timeout: 120_000 };

/** Runs the real command line to its end, as a user would; resolves with its exit code and output. */
export function runCli(
  args: string[],
  opts: CliOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: childEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const deadline = setTimeout(() => child.kill('SIGKILL'), opts.deadlineMs ?? 60_000);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(deadline);
      done({ code, stdout, stderr });
    });
  });
}

/** A `callbridge serve` left running: its log lines (pino JSON) as they come. */
export interface ServingCli {
  /** The `msg` of every log line so far. */
  messages: string[];
  stderr(): string;
  /** The first message matching `pattern`, waiting for it until the deadline or the process's exit. */
  waitFor(pattern: RegExp, deadlineMs?: number): Promise<string>;
  /** Stops it as a user would (SIGTERM) and resolves with its exit code. */
  stop(): Promise<number | null>;
}

export function serveCli(args: string[], opts: CliOptions = {}): ServingCli {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', ...args], {
    env: childEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const messages: string[] = [];
  const waiting = new Set<() => void>();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    messages.push((JSON.parse(line) as { msg: string }).msg);
    for (const check of waiting) check();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // Whatever the test does, the process does not outlive it by more than the deadline.
  const backstop = setTimeout(() => child.kill('SIGKILL'), opts.deadlineMs ?? 100_000);
  void exited.then(() => clearTimeout(backstop));

  return {
    messages,
    stderr: () => stderr,
    waitFor(pattern, deadlineMs = 60_000) {
      return new Promise((found, fail) => {
        const finish = (end: () => void) => {
          clearTimeout(timer);
          waiting.delete(check);
          end();
        };
        const check = () => {
          const m = messages.find((msg) => pattern.test(msg));
          if (m !== undefined) finish(() => found(m));
        };
        const timer = setTimeout(
          () => finish(() => fail(new Error(`no log line matching ${pattern} within ${deadlineMs}ms: ${stderr}`))),
          deadlineMs,
        );
        waiting.add(check);
        void exited.then((code) =>
          finish(() => fail(new Error(`callbridge exited with ${code} before logging ${pattern}: ${stderr}`))),
        );
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
