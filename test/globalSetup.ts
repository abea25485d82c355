import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Bundles the SQLite writer thread (src/pipeline/sqliteWriter.ts and what it imports), and the
 * stats thread (src/store/statsWorker.ts), each into one JavaScript file, once per run, and points
 * every harness at them (`CALLBRIDGE_WRITER_BUNDLE`, `CALLBRIDGE_STATS_BUNDLE`).
 * Otherwise each of the ~120 harness starts spends most of its time in a fresh thread registering
 * tsx and resolving and transpiling the writer's modules one by one. The bundle is the same source,
 * transpiled by the same esbuild tsx uses. Native and server drivers stay outside it, resolved from
 * the repository's node_modules, which is why the file is written inside the repository.
 */
export default function setup(): () => void {
  // Under dist/, with the built JavaScript: ignored by git, the linter and the formatter.
  const dist = join(import.meta.dirname, '..', 'dist');
  mkdirSync(dist, { recursive: true });
  const dir = mkdtempSync(join(dist, 'test-writer-'));
  const src = join(import.meta.dirname, '..', 'src');
  buildSync({
    entryPoints: {
      sqliteWriter: join(src, 'pipeline', 'sqliteWriter.ts'),
      statsWorker: join(src, 'store', 'statsWorker.ts'),
    },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3', 'pg'],
    // Bundled CommonJS packages call require(); an ES module has none of its own.
    banner: {
      js: "import { createRequire as bannerRequire } from 'node:module'; const require = bannerRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  process.env.CALLBRIDGE_WRITER_BUNDLE = join(dir, 'sqliteWriter.mjs');
  process.env.CALLBRIDGE_STATS_BUNDLE = join(dir, 'statsWorker.mjs');
  return () => rmSync(dir, { recursive: true, force: true });
}
