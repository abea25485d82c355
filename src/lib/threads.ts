import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * tsx's ESM register API as a file URL, for a thread started from TypeScript source. The package
 * resolves for require() only here, to its .cjs twin; the .mjs beside it is the ESM one.
 */
const tsxApi = (() => {
  if (!import.meta.url.endsWith('.ts')) return '';
  const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  return pathToFileURL(cjs.replace(/\.cjs$/, '.mjs')).href;
})();

/**
 * A thread running `entry` (`new URL('./x.js', import.meta.url)` of the module that starts it): its
 * bundle, `<name>.mjs` in `$CALLBRIDGE_THREAD_BUNDLES`, when the test suite built one (registering
 * tsx and transpiling the modules in each new thread cost most of a harness start); else the built
 * JavaScript; or under a TypeScript loader (`npm run dev`), the TypeScript source, after registering
 * tsx in the thread, which does not inherit the loader. `resourceLimits` size the thread's V8 heap.
 */
export function startThread(entry: URL, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  const options = { workerData, ...(resourceLimits ? { resourceLimits } : {}) };
  const bundles = process.env.CALLBRIDGE_THREAD_BUNDLES;
  if (bundles) return new Worker(join(bundles, `${basename(fileURLToPath(entry), '.js')}.mjs`), options);
  if (!import.meta.url.endsWith('.ts')) return new Worker(entry, options);
  const source = JSON.stringify(entry.href.replace(/\.js$/, '.ts'));
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${source}); })`, {
    eval: true,
    ...options,
  });
}
