import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyPluginAsync, onRequestHookHandler } from 'fastify';
import { VERSION } from '../version.js';
import { errors } from './schemas/errors.js';
import { addSharedSchemas } from './schemas/views.js';

/**
 * The OpenAPI 3.1 document, built by `@fastify/swagger` from the routes' own schemas. Registered on
 * the root before any route, so it sees them all; the shared schemas become `components.schemas`.
 */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'callbridge API',
        version: VERSION,
        description:
          'Calls, callers, VIPs and sessions for the dashboard and CRMs, the live stream, and the gateway webhooks. ' +
          'Every error answers `{ statusCode, error, code, message }`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'api.token' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  addSharedSchemas(app);
  documentForeignRoutes(app);
}

/** Path parameters named in a route's URL (`/webhooks/:gateway` → gateway). */
const pathParams = (url: string) => [...url.matchAll(/:(\w+)/g)].map((m) => m[1]!);

/**
 * The webhook and metrics routes take no JSON schema of their own (webhooks parse their raw bytes
 * for the signature; metrics answer text), so what they answer is documented here, as they are added.
 */
function documentForeignRoutes(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    if (route.schema || route.method === 'HEAD') return;
    const params = pathParams(route.url);
    const pathSchema = {
      type: 'object',
      required: params,
      properties: Object.fromEntries(params.map((p) => [p, { type: 'string' }])),
    };
    if (route.url.startsWith('/webhooks/')) {
      route.schema = {
        summary: 'A gateway webhook (call or message event), answered once it is durably stored',
        tags: ['webhooks'],
        // Authenticated by the gateway's signature (or the URL's webhook token), not the API token.
        security: [],
        params: pathSchema,
        response: {
          200: {
            description: 'stored (or a duplicate of one stored before)',
            type: 'object',
            required: ['status', 'eventId'],
            properties: { status: { type: 'string' }, eventId: { type: 'string' } },
          },
          ...errors(400, 401, 404, 413, 500, 503),
        },
      };
    } else if (route.url === '/metrics') {
      route.schema = {
        summary: 'Prometheus metrics (behind metrics.token when it is set)',
        tags: ['operations'],
        response: {
          200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...errors(401),
        },
      };
    }
  });
}

/**
 * `/api/openapi.json` and the rendered reference at `/api/docs`. The reference's page and its
 * scripts are public (swagger-ui's code, no data); the document it loads is behind the API token.
 * The page sends the token the dashboard keeps for this tab (sessionStorage, same origin), so an
 * agent signed in to the dashboard opens `/api/docs` in that tab; "Authorize" takes one by hand.
 */
export const docsRoutes: FastifyPluginAsync<{ guard: onRequestHookHandler[] }> = async (app, opts) => {
  app.get('/api/openapi.json', { schema: { hide: true }, onRequest: opts.guard }, async () => app.swagger());
  // swagger-ui serves the document again under its prefix (its page loads `./json`): guarded alike.
  const guarded = new Set(['/api/docs/json', '/api/docs/yaml']);
  app.addHook('onRoute', (route) => {
    if (guarded.has(route.url)) route.onRequest = opts.guard;
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { requestInterceptor },
    theme: { title: 'callbridge API' },
    // swagger-ui sets inline styles; its scripts are files of its own, served from node_modules.
    staticCSP:
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
      "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  });
};

/**
 * Runs in the browser (swagger-ui serialises it into its page): adds the dashboard's token, kept in
 * sessionStorage under the key web/api.js uses, to the document's request and to "Try it out".
 */
function requestInterceptor(req: { headers?: Record<string, string> }) {
  const storage = (globalThis as { sessionStorage?: { getItem(key: string): string | null } }).sessionStorage;
  const token = storage?.getItem('callbridge.token');
  if (token && req.headers && !req.headers.Authorization) req.headers.Authorization = 'Bearer ' + token;
  return req;
}
