import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

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
