import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** The front end's folder: `web/` at the package root, both from `src/http` and from `dist/http`. */
const WEB_DIR = new URL('../../web/', import.meta.url);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// Everything the page loads is ours; the live stream and the API are same-origin.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface WebFile {
  type: string;
  body: Buffer;
  etag: string;
}

/**
 * The agents' dashboard: `GET /` and its assets under `/web/`. The page is public; its data comes
 * from the API with the bearer token the agent types in. The files are read once at start and served
 * by exact name, so no request path ever reaches the file system.
 */
export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const files = new Map<string, WebFile>();
  for (const name of readdirSync(WEB_DIR)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(new URL(name, WEB_DIR));
    files.set(name, { type, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
  }
  const index = files.get('index.html');
  if (!index) throw new Error(`the dashboard's index.html is missing from ${WEB_DIR.pathname}`);

  // Revalidated on every load (a 304 when unchanged): a deploy must never leave a stale module behind.
  const send = (file: WebFile, req: FastifyRequest, reply: FastifyReply) => {
    reply.headers({ 'cache-control': 'no-cache', etag: file.etag, ...SECURITY_HEADERS });
    if (req.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.type(file.type).send(file.body);
  };

  app.get('/', async (req, reply) => send(index, req, reply));
  app.get<{ Params: { name: string } }>('/web/:name', async (req, reply) => {
    const file = files.get(req.params.name);
    return file ? send(file, req, reply) : reply.callNotFound();
  });
};
