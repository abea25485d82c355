import { mkdirSync } from 'node:fs';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPage, hasChromium, launchChromium } from '../helpers/browser.js';
import { startHarness, TOKEN, type Harness } from '../helpers/harness.js';

/** Routes that are files rather than API: the dashboard's and the reference's own. */
const UNDOCUMENTED = /^\/(?:$|web\/|favicon\.ico$|api\/docs(?:\/|$)|api\/openapi\.json$)/;

const auth = { authorization: `Bearer ${TOKEN}` };

describe('the OpenAPI document', () => {
  let h: Harness;
  /** Every route each Fastify instance made while the harness started (the sim gateway's too), by instance. */
  const routes = new Map<FastifyInstance, Array<{ method: string; url: string }>>();
  // Fastify announces each new instance here, before anything is registered on it: the routes are
  // seen as Fastify adds them, independently of what @fastify/swagger collects.
  const onInstance = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance };
    const seen: Array<{ method: string; url: string }> = [];
    routes.set(fastify, seen);
    fastify.addHook('onRoute', (route: RouteOptions) => {
      for (const method of [route.method].flat()) seen.push({ method, url: route.url });
    });
  };

  beforeAll(async () => {
    subscribe('fastify.initialization', onInstance);
    try {
      h = await startHarness();
    } finally {
      unsubscribe('fastify.initialization', onInstance);
    }
  });
  afterAll(() => h?.close());

  const fetchDocument = async () => {
    const res = await fetch(`${h.bridge.url}/api/openapi.json`, { headers: auth });
    expect(res.status).toBe(200);
    return (await res.json()) as OpenAPIV3_1.Document;
  };

  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe('3.1.0');
    // validate() dereferences in place: it gets a copy.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('documents every route the server registered, each response status with a schema', async () => {
    const doc = await fetchDocument();
    const server = [...routes.values()].find((r) => r.some((route) => route.url === '/api/calls'));
    expect(server, 'the callbridge instance was seen').toBeDefined();
    const documented = server!.filter((r) => r.method !== 'HEAD' && !UNDOCUMENTED.test(r.url));
    // Guards the guard: the routes of issue 14 are all among those checked.
    expect(documented.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'GET /api/calls',
        'GET /api/calls/:id',
        'GET /api/callers',
        'GET /api/callers/:session/:caller',
        'GET /api/sessions',
        'GET /api/sessions/:session/vips',
        'POST /api/sessions/:session/vips',
        'DELETE /api/sessions/:session/vips/:number',
        'POST /api/stream/tickets',
        'GET /api/stream',
        'GET /api/me',
        'GET /api/queue',
        'POST /api/queue/:id/claim',
        'POST /api/queue/:id/release',
        'POST /api/queue/:id/done',
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'POST /webhooks/:gateway',
      ]),
    );
    for (const { method, url } of documented) {
      const path = url.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths?.[path]?.[method.toLowerCase() as OpenAPIV3_1.HttpMethods];
      expect(op, `${method} ${url} is documented`).toBeDefined();
      const responses = Object.entries(op!.responses ?? {}) as Array<[string, OpenAPIV3_1.ResponseObject]>;
      expect(
        responses.map(([status]) => status),
        `${method} ${url} has a 2xx`,
      ).toContainEqual(expect.stringMatching(/^2/));
      for (const [status, response] of responses) {
        if (status === '204') continue; // no body
        const media = Object.values(response.content ?? {});
        expect(media.length, `${method} ${url} ${status} has content`).toBeGreaterThan(0);
        for (const m of media) expect(m.schema, `${method} ${url} ${status} has a schema`).toBeDefined();
      }
    }
  });

  it('answers errors in the one shape, and documents it once', async () => {
    const doc = await fetchDocument();
    expect(doc.components?.schemas?.Error).toMatchObject({ required: ['statusCode', 'error', 'code', 'message'] });
    const notFound = doc.paths?.['/api/calls/{id}']?.get?.responses?.['404'] as OpenAPIV3_1.ResponseObject;
    expect(notFound.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Error' });
  });

  it('keeps the document behind the API token; the reference page itself is public', async () => {
    for (const path of ['/api/openapi.json', '/api/docs/json', '/api/docs/yaml']) {
      const res = await fetch(h.bridge.url + path);
      expect(res.status, path).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'unauthorized' });
      const allowed = await fetch(h.bridge.url + path, { headers: auth });
      expect(allowed.status, path).toBe(200);
      // Read to the end: a body left unread holds its connection open, and the server's close waits for it.
      await allowed.arrayBuffer();
    }
    const page = await fetch(`${h.bridge.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>callbridge API</title>');
    // swagger-ui's files come from node_modules, through the server: nothing from a CDN.
    const bundle = await fetch(`${h.bridge.url}/api/docs/static/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    await bundle.arrayBuffer();
  });

  describe.skipIf(!hasChromium)('rendered (needs /usr/bin/chromium; .ci/run installs it)', () => {
    it('shows the API title and its operations to an agent signed in to the dashboard', async () => {
      const browser = await launchChromium();
      try {
        const page = await freshPage(browser);
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        const outside: string[] = [];
        page.on('request', (r) => {
          if (!r.url().startsWith(h.bridge.url) && !r.url().startsWith('data:')) outside.push(r.url());
        });
        // Signed in as an agent would be: the docs page sends the token the dashboard keeps for the tab.
        await page.goto(h.bridge.url);
        await page.getByLabel('API token').fill(TOKEN);
        await page.getByRole('button', { name: 'Open the dashboard' }).click();
        await page.locator('#live[data-state="live"]').getByText('Live').waitFor();
        await page.goto(`${h.bridge.url}/api/docs`);
        await page.getByRole('heading', { name: /callbridge API/ }).waitFor();
        await page.locator('.opblock-summary-path', { hasText: '/api/calls/{id}' }).waitFor();
        mkdirSync('test-results', { recursive: true });
        await page.screenshot({ path: 'test-results/api-docs.png', fullPage: true });
        expect(errors, 'uncaught errors in the page').toEqual([]);
        expect(outside, 'requests off this server').toEqual([]);
      } finally {
        await browser.close();
      }
    });
  });
});
