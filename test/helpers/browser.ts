import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startHarness, testConfig, type Harness } from './harness.js';

/** Debian's Chromium; `.ci/run` installs it. Playwright's own browser downloads don't work here. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

// Quiet, isolated, loopback only: no background traffic, no sync, no first-run UI.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** A headless Chromium with a fresh profile (Playwright makes a temporary user data dir per launch). */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });

/** A new page in a new context: its own sessionStorage, so every test signs in afresh. */
export async function freshPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // Auto-waiting gives up after this: long enough for a 1 s ring timeout, short enough to fail fast.
  page.setDefaultTimeout(10_000);
  return page;
}

/**
 * Records every notification the page shows in `window.notifications` ({ title, body }), instead of
 * showing it, and counts the permission requests in `window.permissionAsked`: what the page asks
 * for is what a test can check, with or without a desktop.
 */
function recordNotifications() {
  const Real = window.Notification;
  const shown: Array<{ title: string; body?: string }> = [];
  class Recorded extends EventTarget {
    static get permission() {
      return Real.permission;
    }
    static requestPermission() {
      Object.assign(window, {
        permissionAsked: (window as unknown as { permissionAsked: number }).permissionAsked + 1,
      });
      return Real.requestPermission();
    }
    constructor(title: string, options?: NotificationOptions) {
      super();
      shown.push({ title, body: options?.body });
    }
    close() {}
  }
  Object.assign(window, { notifications: shown, permissionAsked: 0, Notification: Recorded });
}

/**
 * A page of its own (a new context) signed in with `token`, as an agent would, on its live feed.
 * With `notifications`, the site may notify (as if the agent had allowed it) and what it shows is
 * recorded; `before` runs before the page loads (to set its clock, say).
 */
export async function agentPage(
  browser: Browser,
  url: string,
  token: string,
  { notifications = false, before }: { notifications?: boolean; before?: (page: Page) => Promise<unknown> } = {},
): Promise<Page> {
  const page = await freshPage(browser);
  await before?.(page);
  if (notifications) {
    await page.context().grantPermissions(['notifications'], { origin: url });
    await page.addInitScript(recordNotifications);
  }
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Open the dashboard' }).click();
  await page.locator('#live[data-state="live"]').waitFor();
  return page;
}

/** Where the views' screenshots go for a person to look at (git ignores test-results/). */
export const SCREENSHOTS = 'test-results/screenshots';

export const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });

/** Whether the page fits its viewport's width: nothing to scroll sideways to. */
export const noSideScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

/**
 * One harness (the VIP list holding `configVip`) and one Chromium for the tests of a describe. A
 * page a test opens goes through `track`: an uncaught error in it fails the test, and its context
 * is closed after it.
 */
export function useDashboard(configVip: string) {
  let h: Harness | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let errors: string[] = [];
  beforeAll(async () => {
    h = await startHarness((db, url) => {
      const c = testConfig(db, url);
      c.sessions.default!.vip.numbers = [`${configVip}@c.us`];
      return c;
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });
  afterEach(async () => {
    await page?.context().close();
    page = undefined;
    const seen = errors;
    errors = [];
    expect(seen, 'uncaught errors in the page').toEqual([]);
  });
  return {
    get h(): Harness {
      return h!;
    },
    get browser(): Browser {
      return browser!;
    },
    track(p: Page): Page {
      page = p;
      errors = [];
      p.on('pageerror', (e) => errors.push(e.message));
      return p;
    },
  };
}
