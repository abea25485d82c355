import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { callReceived, callRejected } from '../../src/sim/webhooks.js';
import { freshPage, hasChromium, useDashboard } from '../helpers/browser.js';
import { startHarness, testConfig, TOKEN, waitFor } from '../helpers/harness.js';

const CONFIG_VIP = '15550009999';

describe.skipIf(!hasChromium)('dashboard (needs /usr/bin/chromium; .ci/run installs it)', () => {
  const dash = useDashboard(CONFIG_VIP);
  let page: Page;

  /** A fresh page whose uncaught errors fail the test. */
  async function newPage() {
    page = dash.track(await freshPage(dash.browser));
    return page;
  }

  /** Opens `path` and signs in with the token, as an agent would, then opens the calls (the queue comes first). */
  async function signIn(path = '/') {
    await newPage();
    await page.goto(dash.h.bridge.url + path);
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await page.locator('#live[data-state="live"]').getByText('Live').waitFor();
    await showCalls();
  }

  const showCalls = () => page.getByRole('button', { name: 'Calls', exact: true }).click();

  const callRow = (callId: string, extra = '') => page.locator(`#calls-body tr[data-call-id="${callId}"]${extra}`);

  it('a wrong token is refused with a clear message; the right one opens the queue', async () => {
    await newPage();
    await page.goto(dash.h.bridge.url);
    await page.getByLabel('API token').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    const alert = page.locator('#auth-error');
    await alert.getByText('That token was refused').waitFor();
    expect(await alert.textContent()).toContain('the bearer token is wrong');
    expect(await page.locator('#app').isHidden()).toBe(true);

    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await page.locator('#queue-view').waitFor();
    expect(await page.locator('#auth').isHidden()).toBe(true);
  });

  it('opens without asking when the server has no token', async () => {
    const open = await startHarness((db, url) => testConfig(db, url, { api: {} }));
    try {
      await newPage();
      await page.goto(open.bridge.url);
      // The session fields suggest every session served, before any call of it.
      await page.locator('#sessions option[value="default"]').waitFor({ state: 'attached' });
      await showCalls();
      await open.post(callReceived({ from: '15550001212@c.us', callId: 'open-1' }));
      await callRow('open-1').waitFor();
      expect(await page.locator('#auth').isHidden()).toBe(true);
      expect(await page.getByRole('button', { name: 'Change token' }).isHidden()).toBe(true);
    } finally {
      await open.close();
    }
  });

  it('a call shows up while it rings, then turns missed after the ring timeout without a reload', async () => {
    await signIn();
    await dash.h.post(callReceived({ from: '15550002222@c.us', callId: 'live-1' }));
    const ringing = callRow('live-1', '.ringing[data-status="ringing"]');
    await ringing.waitFor();
    expect(await ringing.textContent()).toContain('+15550002222');
    expect(await ringing.textContent()).toContain('Voice');

    dash.h.clock.advance('1s');
    await callRow('live-1', '[data-status="missed"]:not(.ringing)').waitFor();
    await callRow('live-1', ':has-text("sent")').waitFor();
    await dash.h.settled();
  });

  it('falls back to polling every 2 s where the server has no live stream', async () => {
    await newPage();
    await page.route('**/api/stream*', (route) =>
      route.fulfill({ status: 404, contentType: 'application/json', body: '{"statusCode":404}' }),
    );
    await page.goto(dash.h.bridge.url);
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await page.locator('#live[data-state="polling"]').getByText('polling every 2 s').waitFor();
    await showCalls();
    await dash.h.post(callReceived({ from: '15550001313@c.us', callId: 'polled-1' }));
    await callRow('polled-1').waitFor();
    dash.h.clock.advance('1s');
    await callRow('polled-1', '[data-status="missed"]:not(.ringing)').waitFor();
  });

  it('connects the live stream with a ticket, never the token, and gets a new ticket when one is refused (expired)', async () => {
    await newPage();
    const streamUrls: string[] = [];
    let ticketsIssued = 0;
    page.on('request', (r) => {
      if (r.url().includes('/api/stream?')) streamUrls.push(r.url());
      if (r.url().endsWith('/api/stream/tickets') && r.method() === 'POST') ticketsIssued++;
    });
    // The first ticket is refused, as an expired one would be.
    let refused = false;
    await page.route('**/api/stream?ticket=*', (route) => {
      if (refused) return route.continue();
      refused = true;
      return route.fulfill({
        status: 401,
        contentType: 'application/json',
        body: '{"code":"unauthorized","message":"the ticket has expired"}',
      });
    });
    await page.goto(dash.h.bridge.url);
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await page.locator('#live[data-state="live"]').waitFor();
    expect(refused).toBe(true);
    expect(ticketsIssued).toBe(2);
    expect(streamUrls.length).toBeGreaterThanOrEqual(2);
    for (const url of streamUrls) expect(url).not.toContain(TOKEN);
    await showCalls();
    await dash.h.post(callReceived({ from: '15550001414@c.us', callId: 'after-ticket' }));
    await callRow('after-ticket').waitFor();
  });

  it('the detail of a call tells in plain words what happened: the ring, the message sent and to whom', async () => {
    await dash.h.post(callReceived({ from: '15550003333@c.us', callId: 'detail-1', isVideo: true }));
    await dash.h.settled();
    await signIn();
    await callRow('detail-1').getByRole('button').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Video call from +15550003333').waitFor();
    await dialog.getByText('The call rang at').waitFor();
    await dialog.getByText('Chat message sent to +15550003333 at').waitFor();
    expect(await dialog.getByRole('link', { name: 'Open chat' }).getAttribute('href')).toBe(
      'https://wa.me/15550003333',
    );
    await page.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('filters by caller, by status, and from a deep link', async () => {
    await dash.h.post(callReceived({ from: '15550004444@c.us', callId: 'filter-a' }));
    await dash.h.post(callReceived({ from: '15550005555@c.us', callId: 'filter-b' }));
    await dash.h.settled();
    // Every ring of this server is over, so the filter on "ringing" below finds none.
    dash.h.clock.advance('1s');
    await waitFor('the rings to end', async () => (await dash.h.pendingTimers()) === 0);

    await signIn('/?session=default&caller=15550004444%40c.us');
    await callRow('filter-a').waitFor();
    expect(await page.locator('#calls-body tr').count()).toBe(1);
    expect(await page.locator('#call-filters input[name="caller"]').inputValue()).toBe('15550004444@c.us');

    // Any spelling of a number, as agents type it.
    const filters = page.getByRole('search', { name: 'Filter calls' });
    await filters.getByLabel('Caller').fill('+1 555-000 5555');
    await filters.getByLabel('Caller').press('Enter');
    await callRow('filter-b').waitFor();
    await callRow('filter-a').waitFor({ state: 'detached' });
    expect(page.url()).toContain('caller=%2B1+555-000+5555');

    await filters.getByRole('button', { name: 'Clear' }).click();
    await filters.getByLabel('Status').selectOption('ringing');
    await page.locator('#calls-empty').waitFor();
    expect(await page.locator('#calls-body tr').count()).toBe(0);
  });

  it('a call that ends while the list under "ringing" loads is not put back as ringing', async () => {
    // A long ring, so calls end when the test says: race-1 between the reading of the list and its arrival.
    const slow = await startHarness((db, url) => {
      const c = testConfig(db, url, { api: {} });
      c.sessions.default!.ringTimeout = 60_000;
      return c;
    });
    try {
      await newPage();
      // Records each call the page's stream delivers, before the page's own listener runs.
      await page.addInitScript(() => {
        const seen: string[] = [];
        Object.assign(window, { streamedCalls: seen });
        window.EventSource = class extends EventSource {
          constructor(url: string | URL, init?: EventSourceInit) {
            super(url, init);
            this.addEventListener('call', (e) => seen.push((e as MessageEvent<string>).data));
          }
        };
      });
      await page.goto(slow.bridge.url);
      await page.locator('#live[data-state="live"]').waitFor();
      await showCalls();
      await slow.post(callReceived({ from: '15550007770@c.us', callId: 'race-0' }));
      await slow.post(callReceived({ from: '15550007777@c.us', callId: 'race-1' }));
      // Both redirected: nothing more changes in either call until race-1 is rejected.
      for (const id of ['race-0', 'race-1']) await callRow(id, '[data-status="ringing"]:has-text("sent")').waitFor();
      // The list under "ringing" replaces every row: an unmarked race-0 row says it has arrived.
      await callRow('race-0').evaluate((tr) => tr.setAttribute('data-before', ''));

      let readWhileRinging = false;
      let answered!: () => void;
      const handled = new Promise<void>((resolve) => (answered = resolve));
      await page.route(
        (url) => url.pathname.endsWith('/api/calls') && url.searchParams.get('status') === 'ringing',
        async (route) => {
          const response = await route.fetch();
          const body = (await response.json()) as { calls: Array<{ callId: string; status: string }> };
          readWhileRinging = body.calls.some((c) => c.callId === 'race-1' && c.status === 'ringing');
          await slow.post(callRejected({ from: '15550007777@c.us', callId: 'race-1' }));
          await page.waitForFunction(() =>
            (window as unknown as { streamedCalls: string[] }).streamedCalls.some(
              (d) => d.includes('"race-1"') && d.includes('"rejected"'),
            ),
          );
          await route.fulfill({ response });
          answered();
        },
      );
      await page.getByRole('search', { name: 'Filter calls' }).getByLabel('Status').selectOption('ringing');
      await handled;
      await callRow('race-0', ':not([data-before])').waitFor();
      expect(readWhileRinging, 'the list was read while race-1 still rang').toBe(true);
      expect(
        await page.locator('#calls-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-call-id'))),
      ).toEqual(['race-0']);
    } finally {
      await slow.close();
    }
  });

  it('the callers view asks again every 15 s, for escalations that run out with no call to announce it', async () => {
    // A server of its own, with no calls: any reload here comes from the clock, not from a call event.
    const quiet = await startHarness((db, url) => testConfig(db, url, { api: {} }));
    try {
      await newPage();
      await page.clock.install();
      let asked = 0;
      page.on('request', (r) => {
        if (new URL(r.url()).pathname.endsWith('/api/callers')) asked++;
      });
      await page.goto(quiet.bridge.url);
      await page.locator('#live[data-state="live"]').waitFor();
      await page.getByRole('button', { name: 'Callers' }).click();
      await page.locator('#callers-empty').waitFor();
      expect(asked).toBe(1);
      await page.clock.runFor(15_000);
      await waitFor('the callers to be asked again', () => asked === 2);
    } finally {
      await quiet.close();
    }
  });

  it('takes a screenshot of the calls view for a human to look at', async () => {
    await signIn();
    await dash.h.post(callReceived({ from: `${CONFIG_VIP}@c.us`, callId: 'shot-vip' }));
    await dash.h.post(callReceived({ from: '15550008888@c.us', callId: 'shot-video', isVideo: true }));
    await callRow('shot-video', '.ringing').waitFor();
    await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT ?? '/tmp/callbridge-dashboard.png' });
  });

  it('pages back with "Load more"', async () => {
    for (let i = 10; i < 61; i++) await dash.h.post(callReceived({ from: `155500200${i}@c.us`, callId: `page-${i}` }));
    await signIn();
    await callRow('page-60').waitFor();
    expect(await page.locator('#calls-body tr').count()).toBe(50);
    await page.getByRole('button', { name: 'Load more' }).click();
    await callRow('page-10').waitFor();
    expect(await page.locator('#calls-body tr').count()).toBeGreaterThan(50);
  });
});
