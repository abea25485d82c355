import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** The front end's folder: `web/` at the package root, both from `src/http` and from `dist/http`. */
const WEB_DIR = new URL('../../web/', import.meta.url);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * `@fastify/helmet`'s headers, on every answer (the page, its files, the API). Everything the page
 * loads is ours; the live stream and the API are same-origin. helmet's other defaults stay
 * (nosniff, no-referrer, same-origin resource and opener policies, no framing).
 */
export const securityHeaders: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
    },
  },
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
    reply.headers({ 'cache-control': 'no-cache', etag: file.etag });
    if (req.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.type(file.type).send(file.body);
  };

  const favicon = files.get('favicon.svg');
  if (!favicon) throw new Error(`the dashboard's favicon.svg is missing from ${WEB_DIR.pathname}`);

  // Files, not API: left out of the API document.
  const schema = { hide: true };
  app.get('/', { schema }, async (req, reply) => send(index, req, reply));
  // Browsers ask for it whatever the page links; an SVG answers it (they read the type, not the name).
  app.get('/favicon.ico', { schema }, async (req, reply) => send(favicon, req, reply));
  app.get<{ Params: { name: string } }>('/web/:name', { schema }, async (req, reply) => {
    const file = files.get(req.params.name);
    return file ? send(file, req, reply) : reply.callNotFound();
  });
};
