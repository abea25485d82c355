import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../../src/http/errors.js';
import { installSessionResolver, sessionOf } from '../../../src/http/session.js';
import { testSettings } from '../../helpers/settings.js';

async function app() {
  const a = Fastify();
  installErrorHandling(a);
  installSessionResolver(a, new Map([['shop', testSettings({ session: 'shop' })]]));
  a.get('/s/:session', { config: { session: true } }, async (req) => ({ session: sessionOf(req).session }));
  a.get('/list', { config: { session: true } }, async (req) => ({ session: req.servedSession?.session ?? null }));
  // A route that does not opt in reads ?session= as plain data.
  a.get('/history', async (req) => ({ session: (req.query as { session?: string }).session }));
  return a;
}

describe('the session a route names', () => {
  it('is resolved from :session or ?session= before the handler', async () => {
    const a = await app();
    expect((await a.inject('/s/shop')).json()).toEqual({ session: 'shop' });
    expect((await a.inject('/list?session=shop')).json()).toEqual({ session: 'shop' });
    expect((await a.inject('/list')).json()).toEqual({ session: null });
  });

  it('is answered 404 unknown_session when callbridge does not serve it, in the one error shape', async () => {
    const a = await app();
    for (const url of ['/s/nope', '/list?session=nope']) {
      const res = await a.inject(url);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        statusCode: 404,
        error: 'Not Found',
        code: 'unknown_session',
        message: 'unknown session "nope"',
      });
    }
    expect((await a.inject('/history?session=nope')).json()).toEqual({ session: 'nope' });
  });

  it('leaves other errors to the catalog too: an unknown route', async () => {
    const res = await (await app()).inject('/nowhere?x=1');
    expect(res.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'not_found',
      message: 'no route for GET /nowhere',
    });
  });
});
