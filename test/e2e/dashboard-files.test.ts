import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

// The dashboard's files over HTTP, without a browser: what any client of the server gets.
describe('the dashboard files', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('serves the page publicly, with a strict content security policy, while the API keeps its token', async () => {
    const page = await fetch(`${h.bridge.url}/?session=default&caller=15550001111%40c.us`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="web/app.js"></script>');
    expect((await fetch(`${h.bridge.url}/api/calls`)).status).toBe(401);
  });

  it('serves the assets by name with their types, and nothing outside web/', async () => {
    const js = await fetch(`${h.bridge.url}/web/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${h.bridge.url}/web/style.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const again = await fetch(`${h.bridge.url}/web/app.js`, { headers: { 'if-none-match': js.headers.get('etag')! } });
    expect(again.status).toBe(304);
    for (const path of ['/web/nope.js', '/web/..%2Fpackage.json', '/web/../package.json', '/web/']) {
      expect((await fetch(`${h.bridge.url}${path}`)).status, path).toBe(404);
    }
  });
});
