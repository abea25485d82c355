import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { callAccepted, callReceived, messageReceived } from '../../src/sim/webhooks.js';
import { agentPage, hasChromium, launchChromium, noSideScroll, screenshot } from '../helpers/browser.js';
import { startHarness, testConfig, TOKEN, waitFor, type Harness } from '../helpers/harness.js';

const ANA = 'ana-token-0123456789';
const BO = 'bo-token-01234567890';
const VIP = '15550009999';

describe.skipIf(!hasChromium)('the work queue in the dashboard (needs /usr/bin/chromium; .ci/run installs it)', () => {
  let h: Harness;
  let browser: Browser;
  let ana: Page;
  let bo: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    h = await startHarness((db, url) =>
      testConfig(db, url, { api: { token: TOKEN, agents: { ana: { token: ANA }, bo: { token: BO } } } }),
    );
    // A VIP with a name on the list: their item is named from the first ring.
    const added = await fetch(`${h.bridge.url}/api/sessions/default/vips`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ number: VIP, name: 'Victoria' }),
    });
    expect(added.status).toBe(201);
    h.gateway.setContact('15550001111', { pushname: 'John' });
    h.gateway.setContact('15550002222', { pushname: 'Carla' });
    h.gateway.setContact('15550003333', { pushname: 'Bob' });
    browser = await launchChromium();
    ana = await agentPage(browser, h.bridge.url, ANA, { notifications: true });
    bo = await agentPage(browser, h.bridge.url, BO);
    for (const p of [ana, bo]) p.on('pageerror', (e) => errors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });
  afterEach(() => expect(errors, 'uncaught errors in the pages').toEqual([]));

  const item = (page: Page, name: string, list = '#queue-open') =>
    page.locator(`${list} li.queue-item`, { hasText: name });

  /** Waits until the server's queue holds an item for `caller`, then gives the pages a second to show it. */
  async function appearsWithinASecond(caller: string, name: string) {
    await waitFor(`the queue item of ${name}`, async () => {
      const { body } = await h.api<{ items: Array<{ caller: string }> }>('/api/queue?state=open');
      return body.items.some((i) => i.caller === caller);
    });
    await Promise.all([ana, bo].map((p) => item(p, name).waitFor({ timeout: 1000 })));
  }

  it('a missed call shows in both agents’ queues at once, and the tab and the title count it', async () => {
    await Promise.all([ana, bo].map((p) => p.locator('#whoami').getByText('Signed in as').waitFor()));
    expect(await ana.locator('#whoami').textContent()).toBe('Signed in as ana');
    await h.post(callReceived({ from: '15550001111@c.us', callId: 'john-1' }));
    await h.settled();
    h.clock.advance('1s');
    await appearsWithinASecond('15550001111@c.us', 'John');
    await item(ana, 'John').getByText('open', { exact: true }).waitFor();
    await ana.waitForFunction(() => document.title === '(1) callbridge');
    expect(await ana.getByRole('button', { name: 'Queue (1)' }).count()).toBe(1);
  });

  it("the caller's message shows on their item; the calls show their name, the text sent and their reply", async () => {
    await h.post(messageReceived({ from: '15550001111@c.us', body: 'Hi, my order "42" is late' }));
    await item(ana, 'John').getByText('Hi, my order "42" is late').waitFor();
    await ana.getByRole('button', { name: 'Calls', exact: true }).click();
    const row = ana.locator('#calls-body tr[data-call-id="john-1"]');
    await row.locator('.name').getByText('John').waitFor();
    expect(await row.locator('td.who').innerText()).toMatch(/^John\s+\+15550001111$/);
    await row.getByText('wrote back').waitFor();

    await row.getByRole('button', { name: 'Details of the call from John' }).click();
    const dialog = ana.getByRole('dialog');
    await dialog.getByText('Voice call from John').waitFor();
    const sent = h.gateway.sent.find((t) => t.chatId === '15550001111@c.us')!.text;
    await dialog.locator('blockquote').getByText(sent, { exact: true }).waitFor();
    await dialog.locator('blockquote').getByText('Hi, my order "42" is late', { exact: true }).waitFor();
    await dialog.getByText('Chat message sent to John at').waitFor();
    expect(await dialog.getByRole('link', { name: 'Open chat' }).getAttribute('href')).toBe(
      'https://wa.me/15550001111',
    );
    await dialog.getByRole('button', { name: 'Close' }).click();

    // A name typed in the caller field finds the caller's calls, whatever its case.
    const filters = ana.getByRole('search', { name: 'Filter calls' });
    await filters.getByLabel('Caller').fill('joh');
    await filters.getByLabel('Caller').press('Enter');
    await ana.waitForFunction(() =>
      [...document.querySelectorAll('#calls-body tr')].every((r) => r.textContent!.includes('John')),
    );
    expect(await row.count()).toBe(1);
    await filters.getByRole('button', { name: 'Clear' }).click();
    await ana.getByRole('button', { name: /^Queue/ }).click();
  });

  it('ana claims; bo sees who holds it, live, and his own claim is refused with the server’s reason', async () => {
    await item(ana, 'John').getByRole('button', { name: 'Claim John' }).click();
    await item(ana, 'John').getByText('claimed by you').waitFor();
    await item(bo, 'John').getByText('claimed by ana').waitFor();
    await ana.waitForFunction(() => document.title === 'callbridge');

    await item(bo, 'John').getByRole('button', { name: 'Claim John' }).click();
    const refusal = item(bo, 'John').getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('ana');
    await item(bo, 'John').getByText('claimed by ana').waitFor();
  });

  it('ana marks it done with a resolution and a note; it moves to "Done today" on both screens', async () => {
    await item(ana, 'John').getByRole('button', { name: 'Done with John' }).click();
    const form = ana.getByRole('form', { name: 'Mark John done' });
    await form.getByLabel('Called back').check();
    await form.getByLabel('Note (optional)').fill('rang him, order found');
    await form.getByRole('button', { name: 'Mark done' }).click();
    await item(ana, 'John', '#queue-done').getByText('done by you: Called back (rang him, order found)').waitFor();
    await item(bo, 'John', '#queue-done').getByText('done by ana: Called back').waitFor();
    await item(bo, 'John').waitFor({ state: 'detached' });
  });

  it('a reply written from the business phone closes the item by itself', async () => {
    await h.post(callReceived({ from: '15550002222@c.us', callId: 'carla-1' }));
    await h.settled();
    h.clock.advance('1s');
    await appearsWithinASecond('15550002222@c.us', 'Carla');
    // WAHA's message.any for an own message sent from the phone's app: from = the business, to = the caller.
    await h.post(messageReceived({ from: '15550002222@c.us', body: 'Hi Carla, sorry we missed you!', fromMe: true }));
    for (const p of [ana, bo]) {
      await item(p, 'Carla', '#queue-done').getByText('Closed by a reply from the business phone').waitFor();
      await item(p, 'Carla').waitFor({ state: 'detached' });
    }
  });

  it('a call of the caller’s that someone answers closes their item too', async () => {
    h.gateway.setContact('15550004444', { pushname: 'Dora' });
    await h.post(callReceived({ from: '15550004444@c.us', callId: 'dora-1' }));
    await h.settled();
    h.clock.advance('1s');
    await appearsWithinASecond('15550004444@c.us', 'Dora');
    await h.post(callReceived({ from: '15550004444@c.us', callId: 'dora-2' }));
    await h.post(callAccepted({ from: '15550004444@c.us', callId: 'dora-2' }));
    await item(bo, 'Dora', '#queue-done').getByText('Closed: a call of theirs was answered').waitFor();
    await item(bo, 'Dora').waitFor({ state: 'detached' });
  });

  it('a P1 stays open, however long it waits, until an agent marks it done', async () => {
    for (let i = 1; i <= 5; i++) await h.post(callReceived({ from: '15550003333@c.us', callId: `bob-${i}` }));
    await h.post(messageReceived({ from: '15550003333@c.us', body: 'Please, somebody answer!' }));
    await h.settled();
    // A P1 from a text has no call of its own: it is named from the caller's calls, when they are known.
    const p1 = item(ana, '+15550003333').and(ana.locator('[data-kind="p1"]'));
    await p1.getByText('Please, somebody answer!').waitFor();
    // Past the escalation window (30 min) and every ring: the P1 is still waiting, after a reload too.
    h.clock.advance('31m');
    await h.settled();
    await bo.reload();
    await bo.locator('#live[data-state="live"]').waitFor();
    await item(bo, '+15550003333').and(bo.locator('[data-kind="p1"][data-state="open"]')).waitFor();

    await p1.getByRole('button', { name: /^Claim / }).click();
    await p1.getByRole('button', { name: /^Done with / }).click();
    await p1.getByRole('button', { name: 'Mark done' }).click();
    await item(ana, '+15550003333', '#queue-done').getByText('done by you: Replied in chat').waitFor();
    await item(bo, '+15550003333', '#queue-done').waitFor();
  });

  it('asks for notification permission only on a click, then a VIP call raises a desktop notification', async () => {
    expect(await asked(ana)).toBe(0);
    await ana.getByRole('button', { name: 'Turn on desktop alerts' }).click();
    await ana.getByRole('button', { name: 'Desktop alerts on' }).waitFor();
    expect(await asked(ana)).toBe(1);
    expect(await recorded(ana)).toEqual([]);
    await h.post(callReceived({ from: `${VIP}@c.us`, callId: 'vip-1' }));
    await waitFor('the VIP notification', async () => (await recorded(ana)).length > 0);
    expect((await recorded(ana))[0]!.title).toBe('VIP: Victoria is waiting');
    const vip = item(ana, 'Victoria').and(ana.locator('[data-kind="vip"]'));
    await vip
      .locator('.item-calls')
      .getByText(/ringing$/)
      .waitFor();
    // Its call's end shows on the item as it happens.
    h.clock.advance('1s');
    await vip
      .locator('.item-calls')
      .getByText(/missed$/)
      .waitFor();

    // A missed call's item is no news for the desktop; the same item turning P1 is.
    h.gateway.setContact('15550005555', { pushname: 'Eve' });
    for (let i = 1; i <= 5; i++) await h.post(callReceived({ from: '15550005555@c.us', callId: `eve-${i}` }));
    await h.settled();
    h.clock.advance('1s');
    await item(ana, 'Eve').and(ana.locator('[data-kind="missed"]')).waitFor();
    await h.post(messageReceived({ from: '15550005555@c.us', body: 'Is anyone there?' }));
    await item(ana, 'Eve').and(ana.locator('[data-kind="p1"]')).waitFor();
    await waitFor('the P1 notification', async () => (await recorded(ana)).length === 2);
    expect((await recorded(ana))[1]).toEqual({ title: 'P1: Eve is waiting', body: 'Is anyone there?' });

    // Her repeats got no text of their own, so the server names only her first call: the list names them all.
    await ana.getByRole('button', { name: 'Calls', exact: true }).click();
    const eve = ana.locator('#calls-body tr', { hasText: '+15550005555' });
    await ana.waitForFunction(() => document.querySelectorAll('#calls-body tr[data-call-id^="eve-"]').length === 5);
    expect(await eve.locator('.name').allTextContents()).toEqual(Array(5).fill('Eve'));
    await ana.getByRole('button', { name: /^Queue/ }).click();
  });

  it('says how to allow desktop alerts again when the browser refuses them', async () => {
    const page = await agentPage(browser, h.bridge.url, BO, {
      // The browser's answer when the agent blocks the site (headless Chromium only dismisses the prompt).
      before: (p) =>
        p.addInitScript(() => {
          let permission: NotificationPermission = 'default';
          Object.defineProperty(Notification, 'permission', { get: () => permission });
          Notification.requestPermission = async () => (permission = 'denied');
        }),
    });
    expect(await page.locator('#notify-banner').isHidden()).toBe(true);
    await page.getByRole('button', { name: 'Turn on desktop alerts' }).click();
    await page
      .locator('#notify-banner')
      .getByText("allow notifications for it in the browser's site settings")
      .waitFor();
    await page.context().close();
  });

  /** Clicks the shown view's "Export CSV" and reads the file it downloads. */
  async function exported(page: Page) {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    return { name: download.suggestedFilename(), csv: readFileSync((await download.path())!, 'utf8') };
  }

  it('exports the queue and the filtered calls as CSV, quoting what needs it', async () => {
    const queue = await exported(ana);
    expect(queue.name).toBe('callbridge-queue.csv');
    expect(queue.csv.split('\r\n')[0]).toBe(
      '\ufeffopened,kind,name,number,session,state,held by,done at,resolution,note,last message,calls',
    );
    expect(queue.csv).toContain(',John,+15550001111,default,done,ana,');
    expect(queue.csv).toContain('"Hi, my order ""42"" is late"');

    await ana.getByRole('button', { name: 'Calls', exact: true }).click();
    await ana.getByRole('search', { name: 'Filter calls' }).getByLabel('Caller').fill('Carla');
    await ana.getByRole('search', { name: 'Filter calls' }).getByLabel('Caller').press('Enter');
    await ana.waitForFunction(() => document.querySelectorAll('#calls-body tr').length === 1);
    const calls = await exported(ana);
    expect(calls.name).toBe('callbridge-calls.csv');
    const [header, ...rows] = calls.csv.trimEnd().split('\r\n');
    expect(header).toBe('\ufeffrang,name,number,session,call,status,redirect,sent text,vip,wrote back');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(',Carla,+15550002222,default,voice,missed,sent,');
    await ana.getByRole('search', { name: 'Filter calls' }).getByRole('button', { name: 'Clear' }).click();
    await ana.getByRole('button', { name: /^Queue/ }).click();
  });

  it('screenshots of every view at 1280 and 390 px; no sideways scrolling on a phone; dark when the system is', async () => {
    // What each view shows once it has loaded.
    const views = {
      queue: '#queue-open li.queue-item',
      calls: '#calls-body tr',
      callers: '#callers-body tr',
      vips: '#vips-body tr',
    } as const;
    for (const width of [1280, 390]) {
      await ana.setViewportSize({ width, height: width > 400 ? 800 : 844 });
      for (const [view, shown] of Object.entries(views)) {
        await ana.locator(`#tab-${view}`).click();
        await ana.locator(shown).first().waitFor();
        expect(await noSideScroll(ana), `${view} at ${width} px`).toBe(true);
        await screenshot(ana, `${view}-${width}`);
      }
    }
    const background = () => ana.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const light = await background();
    await ana.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).not.toBe(light);
    await ana.locator('#tab-queue').click();
    await screenshot(ana, 'queue-390-dark');
  });
});

type Recorded = Array<{ title: string; body?: string }>;
const recorded = (page: Page) => page.evaluate(() => (window as unknown as { notifications: Recorded }).notifications);
const asked = (page: Page) => page.evaluate(() => (window as unknown as { permissionAsked: number }).permissionAsked);
