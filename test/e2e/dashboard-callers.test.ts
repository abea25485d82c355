import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { callReceived } from '../../src/sim/webhooks.js';
import { agentPage, hasChromium, useDashboard } from '../helpers/browser.js';
import { TOKEN } from '../helpers/harness.js';

const CONFIG_VIP = '15550009999';

// The callers and VIPs views; the calls view and the sign-in are in dashboard.test.ts.
describe.skipIf(!hasChromium)('dashboard: callers and VIPs (needs /usr/bin/chromium; .ci/run installs it)', () => {
  const dash = useDashboard(CONFIG_VIP);
  let page: Page;

  /** A fresh page signed in with the token, whose uncaught errors fail the test. */
  async function signIn() {
    page = dash.track(await agentPage(dash.browser, dash.h.bridge.url, TOKEN));
  }

  const callRow = (callId: string) => page.locator(`#calls-body tr[data-call-id="${callId}"]`);

  it('the callers view shows a stressed caller whose escalation is pending', async () => {
    for (let i = 1; i <= 5; i++) await dash.h.post(callReceived({ from: '15550006666@c.us', callId: `again-${i}` }));
    await dash.h.settled();
    await signIn();
    await page.getByRole('button', { name: 'Callers' }).click();
    await page.locator('#escalations').getByText('1 caller is waiting for a reply from a person.').waitFor();
    const row = page.locator('#callers-body tr[data-caller="15550006666@c.us"].escalated');
    await row.getByText('stressed').waitFor();
    await row.getByText('reply owed').waitFor();

    await page.getByRole('search', { name: 'Filter callers' }).getByLabel('Level').selectOption('stressed');
    await page.locator('#callers-body tr').first().waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#callers-body tr').length === 1);

    await row.getByRole('button').click();
    await page.getByRole('dialog').getByText('Caller +15550006666').waitFor();
    await page.getByRole('button', { name: 'All calls from +15550006666' }).click();
    await callRow('again-1').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#calls-body tr').length === 5);
    expect(await page.locator('#callers-view').isHidden()).toBe(true);
  });
  it('the callers view follows the calls as they come: a caller shows up, then turns stressed and owed a reply', async () => {
    await signIn();
    await page.getByRole('button', { name: 'Callers' }).click();
    await page.locator('#callers-view').waitFor();
    const from = '15550008888@c.us';
    const row = page.locator(`#callers-body tr[data-caller="${from}"]`);
    await dash.h.post(callReceived({ from, callId: 'rising-1' }));
    await row.getByText('calm').waitFor();
    for (let i = 2; i <= 5; i++) await dash.h.post(callReceived({ from, callId: `rising-${i}` }));
    await row.getByText('stressed').waitFor();
    await row.getByText('reply owed').waitFor();
    expect(await row.locator('td.num').textContent()).toBe('5');
  });
  it('VIPs: added and removed here; a VIP from the config file is refused with its reason', async () => {
    await signIn();
    await page.getByRole('button', { name: 'VIPs' }).click();
    // It opens on the session of the config, with nothing typed.
    await page.getByRole('heading', { name: 'VIPs of session default' }).waitFor();
    const configVip = page.locator(`#vips-body tr[data-number="${CONFIG_VIP}"]`);
    await configVip.getByText('config file').waitFor();

    const add = page.getByRole('form', { name: 'Add a VIP' });
    await add.getByLabel('Number').fill('+1 555 000 7777');
    await add.getByLabel('Name').fill('Grace');
    await page.getByRole('button', { name: 'Add VIP' }).click();
    const added = page.locator('#vips-body tr[data-number="15550007777"]');
    await added.getByText('Grace').waitFor();
    await page.locator('#vip-status').getByText('+15550007777 is now a VIP.').waitFor();

    await added.getByRole('button', { name: 'Remove +15550007777' }).click();
    await added.waitFor({ state: 'detached' });

    await configVip.getByRole('button').click();
    await page.locator('#vip-error').getByText('is a VIP in the config file').waitFor();
    expect(await configVip.count()).toBe(1);
  });
});
