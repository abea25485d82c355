import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { callAccepted, callReceived, callRejected, messageReceived } from '../../src/sim/webhooks.js';
import { agentPage, hasChromium, launchChromium, noSideScroll, screenshot } from '../helpers/browser.js';
import { startHarness, testConfig, TOKEN, type Harness } from '../helpers/harness.js';

const HOURS = 4;

describe.skipIf(!hasChromium)('the stats view (needs /usr/bin/chromium; .ci/run installs it)', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    // Two variants of the voice text, so the variants table has rows to compare.
    h = await startHarness((db, url) =>
      testConfig(db, url, {
        sessions: {
          default: {
            gateway: 'local',
            ringTimeout: '1s',
            redirect: {
              debounce: '2m',
              expireAfter: '2m',
              voice: ['Hi {{name}}! Write to us here in chat.', 'Hi {{name}}! We answer in chat: how can we help?'],
            },
            contactLookup: { budget: '300ms' },
          },
        },
      }),
    );
    // Each hour: one call answered, one hung up, one missed, each from a new caller; the missed one writes back.
    for (let hour = 0; hour < HOURS; hour++) {
      const from = (n: number) => `1555000${hour}${n}00@c.us`;
      await h.post(callReceived({ from: from(1), callId: `answered-${hour}`, clock: h.clock }));
      await h.post(callAccepted({ from: from(1), callId: `answered-${hour}`, clock: h.clock }));
      await h.post(callReceived({ from: from(2), callId: `rejected-${hour}`, clock: h.clock }));
      await h.post(callRejected({ from: from(2), callId: `rejected-${hour}`, clock: h.clock }));
      await h.post(callReceived({ from: from(3), callId: `missed-${hour}`, clock: h.clock }));
      await h.settled();
      h.clock.advance('1s');
      await h.settled();
      await h.post(messageReceived({ from: from(3), body: 'Hello, I called', clock: h.clock }));
      await h.settled();
      h.clock.advance('1h');
    }
    browser = await launchChromium();
    page = await agentPage(browser, h.bridge.url, TOKEN, {
      // The browser's "now" is the server's, which the test has moved hours ahead.
      before: (p) => p.clock.setFixedTime(h.clock.now()),
    });
    page.on('pageerror', (e) => errors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  /** The bars of one outcome in the calls chart that have a height. */
  const bars = (outcome: string) =>
    page
      .locator(`#stats-outcomes rect.bar-${outcome}`)
      .evaluateAll((rects) => rects.filter((r) => Number(r.getAttribute('height')) > 0).length);

  it('draws the calls of the last 24 hours by outcome, hour by hour, with the rates and medians', async () => {
    await page.getByRole('button', { name: 'Stats' }).click();
    const tiles = page.locator('#stats-tiles');
    await tiles.getByText(`${HOURS * 3}`, { exact: true }).waitFor();
    expect(await bars('answered')).toBe(HOURS);
    expect(await bars('rejected')).toBe(HOURS);
    expect(await bars('missed')).toBe(HOURS);
    expect(await tiles.locator('.tile', { hasText: 'Missed rate' }).locator('dd').first().textContent()).toBe('33%');
    expect(await page.locator('#stats-missed circle.rate-dot').count()).toBe(HOURS);
    expect(await page.getByRole('img', { name: 'Calls by outcome, per hour' }).count()).toBe(1);
    await screenshot(page, 'stats-1280');
  });

  it('shows the reply rate of each message variant with its 95% interval', async () => {
    const rows = page.locator('#variants-body tr');
    await rows.first().waitFor();
    const sent = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.children[2]!.textContent)));
    expect(sent.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(await rows.first().locator('td').last().textContent()).toMatch(/^\d+(\.\d)?%–\d+(\.\d)?%$/);
  });

  it('by day over 7 days; and at 390 px the charts fit with no sideways scrolling', async () => {
    await page.getByLabel('Period').selectOption('7d');
    await page.getByRole('img', { name: 'Calls by outcome, per day' }).waitFor();
    expect(await bars('missed')).toBeGreaterThan(0);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByLabel('Period').selectOption('24h');
    await page.getByRole('img', { name: 'Calls by outcome, per hour' }).waitFor();
    expect(await noSideScroll(page)).toBe(true);
    await screenshot(page, 'stats-390');
    expect(errors).toEqual([]);
  });
});
