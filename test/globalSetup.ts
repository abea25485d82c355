import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Bundles each thread callbridge starts (the SQLite writer, its checkpointer, the stats reader:
 * src/lib/threads.ts) with what it imports into one JavaScript file, once per run, and points every
 * harness at them (`CALLBRIDGE_THREAD_BUNDLES`). Otherwise each of the ~120 harness starts spends
 * most of its time in fresh threads registering tsx and resolving and transpiling their modules one
 * by one. The bundle is the same source, transpiled by the same esbuild tsx uses. Native and server
 * drivers stay outside it, resolved from the repository's node_modules, which is why the files are
 * written inside the repository.
 */
export default function setup(): () => void {
  // Under dist/, with the built JavaScript: ignored by git, the linter and the formatter.
  const dist = join(import.meta.dirname, '..', 'dist');
  mkdirSync(dist, { recursive: true });
  const dir = mkdtempSync(join(dist, 'test-threads-'));
  const src = join(import.meta.dirname, '..', 'src');
  buildSync({
    // Named as startThread finds them: `<entry's name>.mjs`.
    entryPoints: {
      sqliteWriter: join(src, 'pipeline', 'sqliteWriter.ts'),
      checkpointer: join(src, 'pipeline', 'checkpointer.ts'),
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
  process.env.CALLBRIDGE_THREAD_BUNDLES = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
