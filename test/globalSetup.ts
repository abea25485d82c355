import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Bundles the SQLite writer thread (src/pipeline/sqliteWriter.ts and what it imports) and its
 * checkpointer into a JavaScript file each, once per run, and points every harness at it (`CALLBRIDGE_WRITER_BUNDLE`).
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
  const pipeline = join(import.meta.dirname, '..', 'src', 'pipeline');
  buildSync({
    // The writer's checkpointer thread is bundled beside it, and found there by name.
    entryPoints: [join(pipeline, 'sqliteWriter.ts'), join(pipeline, 'checkpointer.ts')],
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
  return () => rmSync(dir, { recursive: true, force: true });
}
