import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The flame summary of `--cpu-prof` profiles: per profile (one per thread), the share of busy
 * samples spent in each function itself and in each file. Idle time is left out.
 * `npx tsx bench/flame.ts <folder of .cpuprofile files, searched below> [rows]`; the folder is what
 * `BENCH_CPU_PROF=<folder> npm run bench` fills.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [folder, rowsArg] = process.argv.slice(2);
if (!folder) throw new Error('usage: npx tsx bench/flame.ts <folder> [rows]');
const rows = Number(rowsArg ?? 20);

function profilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return profilesUnder(path);
    return name.endsWith('.cpuprofile') ? [path] : [];
  });
}

/** Where a frame's code lives, short: a package's path from its name, the project's from its root. */
const place = (url: string) => url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(dist|src|bench)\//, '$1/');

function top(shares: Map<string, number>, busy: number): string[] {
  return [...shares]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(([what, us]) => `${((100 * us) / busy).toFixed(1).padStart(5)}%  ${what}`);
}

for (const path of profilesUnder(folder)) {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    const file = frame.url ? place(frame.url) : '(native or V8)';
    const fn = `${frame.functionName || '(anonymous)'} ${file}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
    busy += us;
  }
  console.log(`\n${relative(folder, path)}: ${Math.round(busy / 1000)} ms busy`);
  console.log(['by function (self time):', ...top(byFunction, busy), 'by file:', ...top(byFile, busy)].join('\n'));
}
