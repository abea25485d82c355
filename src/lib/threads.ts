import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

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
 * A thread running `entry` (`new URL('./x.js', import.meta.url)` of the module that starts it):
 * the bundle named by `bundle` when given (the test suite builds one per run), else the built
 * JavaScript, or under a TypeScript loader (tests, `npm run dev`) the TypeScript source, after
 * registering tsx in the thread, which does not inherit the loader.
 */
export function startThread(entry: URL, bundle: string | undefined, workerData: unknown): Worker {
  if (bundle) return new Worker(bundle, { workerData });
  if (!import.meta.url.endsWith('.ts')) return new Worker(entry, { workerData });
  const source = entry.href.replace(/\.js$/, '.ts');
  return new Worker(
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`,
    { eval: true, workerData },
  );
}
