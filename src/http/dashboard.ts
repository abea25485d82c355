import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';

/** The front end's folder: `web/` at the package root, both from `src/http` and from `dist/http`. */
export const WEB_DIR = new URL('../../web/', import.meta.url);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// Everything the page loads is ours; the live stream and the API are same-origin.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The agents' dashboard: `GET /` and its assets under `/web/`. The page is public; its data comes
 * from the API with the bearer token the agent types in. The files are read once at start and served
 * by exact name, so no request path ever reaches the file system.
 */
export const dashboardRoutes: FastifyPluginAsync<{ dir?: URL }> = async (app, opts) => {
  const dir = opts.dir ?? WEB_DIR;
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { type, body: readFileSync(new URL(name, dir)) });
  }
  const index = files.get('index.html');
  if (!index) throw new Error(`the dashboard's index.html is missing from ${dir.pathname}`);

  // Revalidate on every load: assets are small, and a deploy must never leave a stale module behind.
  const headersFor = (file: { type: string; body: Buffer }) => ({ 'content-type': file.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS });

  app.get('/', async (_req, reply) => reply.headers(headersFor(index)).send(index.body));
  app.get<{ Params: { name: string } }>('/web/:name', async (req, reply) => {
    const file = files.get(req.params.name);
    if (!file) return reply.callNotFound();
    return reply.headers(headersFor(file)).send(file.body);
  });
};
