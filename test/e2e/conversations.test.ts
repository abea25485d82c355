import { describe, expect, it } from 'vitest';
import { callReceived, messageReceived } from '../../src/sim/webhooks.js';
import { testConfig, TOKEN, useHarness, waitFor, type Harness } from '../helpers/harness.js';

// Business hours, opt-out, languages and the follow-up, through real webhooks on a manual clock.

const session = {
  gateway: 'local',
  ringTimeout: '1s',
  redirect: {
    voice: { en: 'Hi {{name}}, write to us here.', es: 'Hola {{name}}, escríbenos aquí.' },
    closed: { voice: "We're closed, back {{opensAt}}." },
  },
  hours: {
    timezone: 'Europe/Madrid',
    weekly: {
      mon: ['09:00-19:00'],
      tue: ['09:00-19:00'],
      wed: ['09:00-19:00'],
      thu: ['09:00-19:00'],
      fri: ['09:00-19:00'],
    },
    holidays: ['2027-01-01'],
  },
  languages: { default: 'en', byCountry: { '34': 'es' } },
  followUp: { enabled: true, after: '2h', text: { en: 'Still need a hand?', es: '¿Seguimos?' }, whenClosed: 'wait' },
};

const config = (dbFile: string, url: string) =>
  testConfig(dbFile, url, {
    sessions: {
      default: session,
      night: {
        ...session,
        hours: { timezone: 'Europe/Madrid', weekly: { fri: ['22:00-02:00'] } },
        followUp: { enabled: false },
      },
    },
  });

interface CallsBody {
  calls: Array<{ callId: string; closed: boolean; language: string; redirect: { status: string; template: string } }>;
}

let n = 0;
const caller = () => `1555${String(++n).padStart(7, '0')}@c.us`;

async function ring(h: Harness, at: string, from = caller(), s = 'default') {
  h.clock.set(at);
  const callId = `call-${++n}`;
  await h.post(callReceived({ from, callId, session: s, clock: h.clock }));
  return { from, callId };
}

async function write(h: Harness, from: string, body: string, s = 'default') {
  const res = await h.post(messageReceived({ from, body, session: s, clock: h.clock }));
  expect(res.status).toBe(200);
}

/** The texts the gateway took for `chatId`, once `count` of them have arrived. */
async function textsTo(h: Harness, chatId: string, count: number) {
  await h.gateway.waitFor((g) => g.sent.filter((m) => m.chatId === chatId).length >= count);
  await h.settled();
  return h.gateway.sent.filter((m) => m.chatId === chatId).map((m) => m.text);
}

async function callOf(h: Harness, callId: string) {
  const { body } = await h.api<CallsBody>('/api/calls?limit=500');
  return body.calls.find((c) => c.callId === callId)!;
}

describe('business hours', () => {
  const h = useHarness(config);

  it('a call one minute before closing gets the open text; one minute after, the closed text naming the next opening', async () => {
    const before = await ring(h, '2027-01-04T17:59:00Z'); // Monday 18:59 in Madrid
    expect(await textsTo(h, before.from, 1)).toEqual(['Hi, write to us here.']);
    const after = await ring(h, '2027-01-04T18:01:00Z'); // 19:01
    expect(await textsTo(h, after.from, 1)).toEqual(["We're closed, back tomorrow at 09:00."]);
    expect(await callOf(h, before.callId)).toMatchObject({ closed: false, redirect: { template: 'voice' } });
    expect(await callOf(h, after.callId)).toMatchObject({ closed: true, redirect: { template: 'closed.voice' } });
  });

  it('a range past midnight is open on both sides of it, and closed after', async () => {
    const late = await ring(h, '2027-01-08T22:30:00Z', caller(), 'night'); // Friday 23:30
    const early = await ring(h, '2027-01-09T00:59:00Z', caller(), 'night'); // Saturday 01:59
    const gone = await ring(h, '2027-01-09T01:01:00Z', caller(), 'night'); // Saturday 02:01
    expect(await textsTo(h, late.from, 1)).toEqual(['Hi, write to us here.']);
    expect(await textsTo(h, early.from, 1)).toEqual(['Hi, write to us here.']);
    expect(await textsTo(h, gone.from, 1)).toEqual(["We're closed, back Friday at 22:00."]);
  });

  it("on the day the clocks go forward, opening follows Madrid's new time", async () => {
    const friday = await ring(h, '2027-03-26T18:30:00Z'); // Friday 19:30 CET
    expect(await textsTo(h, friday.from, 1)).toEqual(["We're closed, back Monday at 09:00."]);
    // Monday 29 March is CEST (UTC+2): 06:59Z is 08:59, 07:01Z is 09:01.
    const early = await ring(h, '2027-03-29T06:59:00Z');
    const open = await ring(h, '2027-03-29T07:01:00Z');
    expect(await textsTo(h, early.from, 1)).toEqual(["We're closed, back today at 09:00."]);
    expect(await textsTo(h, open.from, 1)).toEqual(['Hi, write to us here.']);
  });

  it('a holiday is closed all day, and the next opening skips it', async () => {
    const call = await ring(h, '2027-01-01T10:00:00Z'); // Friday, New Year's Day
    expect(await textsTo(h, call.from, 1)).toEqual(["We're closed, back Monday at 09:00."]);
    expect(await callOf(h, call.callId)).toMatchObject({ closed: true });
  });

  it("a +34 caller gets the session's Spanish texts and the call records the language", async () => {
    const spanish = await ring(h, '2027-01-04T17:00:00Z', '34600000001@c.us'); // Monday 18:00
    expect(await textsTo(h, spanish.from, 1)).toEqual(['Hola, escríbenos aquí.']);
    expect(await callOf(h, spanish.callId)).toMatchObject({ language: 'es' });
    h.clock.advance('2h'); // 20:00, closed: the follow-up waits for the opening
    h.clock.set('2027-01-05T08:00:00Z'); // Tuesday 09:00
    expect(await textsTo(h, spanish.from, 2)).toEqual(['Hola, escríbenos aquí.', '¿Seguimos?']);
  });
});

describe('opt-out', () => {
  const h = useHarness(config);

  it('STOP gets one confirmation and then no automated text, until START; it survives a restart', async () => {
    const from = caller();
    h.clock.set('2027-01-04T10:00:00Z');
    await write(h, from, 'Stóp.');
    expect(await textsTo(h, from, 1)).toEqual(['Done: no more automatic messages from us. Write START to undo.']);
    await write(h, from, 'STOP');
    await h.restart();
    const call = await ring(h, '2027-01-04T10:05:00Z', from);
    await h.settled();
    expect(h.gateway.sent.filter((m) => m.chatId === from)).toHaveLength(1);
    expect(await callOf(h, call.callId)).toMatchObject({ redirect: { status: 'skipped:opted_out' } });

    const { body } = await h.api<{ optouts: Array<{ caller: string }> }>('/api/sessions/default/optouts');
    expect(body.optouts.map((o) => o.caller)).toEqual([from]);
    const detail = await h.api<{ optedOut: { at: string } | null }>(`/api/callers/default/${from}`);
    expect(detail.body.optedOut).toEqual({ at: '2027-01-04T10:00:00.000Z' });

    h.clock.advance('10m');
    await write(h, from, 'start');
    expect(await textsTo(h, from, 2)).toContain('Welcome back! Automatic replies are on again.');
    await ring(h, '2027-01-04T10:30:00Z', from);
    expect((await textsTo(h, from, 3))[2]).toBe('Hi, write to us here.');
  });

  it('a text decided before the STOP and retried after it is not sent, and says why', async () => {
    const from = caller();
    h.gateway.failNext('sendText', 1, 503);
    const call = await ring(h, '2027-01-04T10:00:00Z', from);
    await waitFor('the failed first attempt', async () => (await h.attempts()) >= 1);
    await write(h, from, 'STOP');
    await h.gateway.waitFor((g) => g.sent.some((m) => m.chatId === from));
    h.clock.advance('1s');
    await h.settled();
    expect(h.gateway.sent.filter((m) => m.chatId === from)).toHaveLength(1);
    const { body } = await h.api<{ actions: Array<{ kind: string; status: string; lastError: string }> }>(
      `/api/calls/${(await h.api<{ calls: Array<{ id: number; callId: string }> }>('/api/calls')).body.calls.find((c) => c.callId === call.callId)!.id}`,
    );
    expect(body.actions.find((a) => a.kind === 'sendRedirect')).toMatchObject({
      status: 'failed',
      lastError: 'the caller opted out after this text was decided; not sent',
    });
  });

  it('the call of an opted-out caller still shows the name they were last greeted by', async () => {
    const from = caller();
    h.gateway.setContact(from, { pushname: 'Carla' });
    const first = await ring(h, '2027-01-04T10:00:00Z', from);
    await textsTo(h, from, 1);
    await write(h, from, 'STOP');
    const skipped = await ring(h, '2027-01-04T10:10:00Z', from);
    await h.settled();
    const named = async (callId: string) =>
      (await h.api<{ calls: Array<{ callId: string; name: string | null }> }>('/api/calls')).body.calls.find(
        (c) => c.callId === callId,
      )?.name;
    expect(await named(first.callId)).toBe('Carla');
    expect(await named(skipped.callId)).toBe('Carla');
    const detail = await h.api<{ name: string | null }>(`/api/callers/default/${from}`);
    expect(detail.body.name).toBe('Carla');
  });

  it('a Spanish keyword in any case and accents opts out; an agent can remove the opt-out through the API', async () => {
    const from = caller();
    h.clock.set('2027-01-04T10:00:00Z');
    await write(h, from, '  bája ');
    await textsTo(h, from, 1);
    const bridge = h.bridge.url;
    const remove = () =>
      fetch(`${bridge}/api/sessions/default/optouts/${from}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
    expect((await remove()).status).toBe(204);
    expect((await remove()).status).toBe(404);
    await ring(h, '2027-01-04T10:10:00Z', from);
    expect((await textsTo(h, from, 2))[1]).toBe('Hi, write to us here.');
  });
});

describe('the follow-up', () => {
  const h = useHarness(config);
  const pending = async (h: Harness) =>
    Number(
      (
        await h.bridge.store.db
          .selectFrom('timers')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('kind', '=', 'followUp')
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('is sent once when the redirected caller stays quiet', async () => {
    const call = await ring(h, '2027-01-04T09:00:00Z');
    await textsTo(h, call.from, 1);
    h.clock.advance('2h');
    expect(await textsTo(h, call.from, 2)).toEqual(['Hi, write to us here.', 'Still need a hand?']);
    h.clock.advance('4h');
    await h.settled();
    expect(h.gateway.sent.filter((m) => m.chatId === call.from)).toHaveLength(2);
  });

  it('is cancelled by a reply', async () => {
    const call = await ring(h, '2027-01-04T09:00:00Z');
    await textsTo(h, call.from, 1);
    await write(h, call.from, 'Hello, my order is late');
    await waitFor('the follow-up cancelled', async () => (await pending(h)) === 0);
    h.clock.advance('3h');
    await h.settled();
    expect(h.gateway.sent.filter((m) => m.chatId === call.from)).toHaveLength(1);
  });

  it('is cancelled when a person at the business writes to the caller from the phone', async () => {
    const call = await ring(h, '2027-01-04T09:00:00Z');
    await textsTo(h, call.from, 1);
    const fromPhone = messageReceived({ from: call.from, body: 'Hi, Ana here', fromMe: true, clock: h.clock });
    expect((await h.post(fromPhone)).status).toBe(200);
    await waitFor('the follow-up cancelled', async () => (await pending(h)) === 0);
    h.clock.advance('3h');
    await h.settled();
    expect(h.gateway.sent.filter((m) => m.chatId === call.from)).toHaveLength(1);
  });

  it('falling due after hours, waits for the opening (wait)', async () => {
    const call = await ring(h, '2027-01-04T17:30:00Z'); // Monday 18:30
    await textsTo(h, call.from, 1);
    h.clock.advance('2h'); // 20:30: closed
    await waitFor('the follow-up held until the opening', async () => (await pending(h)) === 1);
    await h.settled();
    expect(h.gateway.sent.filter((m) => m.chatId === call.from)).toHaveLength(1);
    h.clock.set('2027-01-05T08:00:00Z'); // Tuesday 09:00
    expect((await textsTo(h, call.from, 2))[1]).toBe('Still need a hand?');
  });

  it('fires after a restart', async () => {
    const call = await ring(h, '2027-01-04T09:00:00Z');
    await textsTo(h, call.from, 1);
    await h.restart();
    h.clock.advance('2h');
    expect((await textsTo(h, call.from, 2))[1]).toBe('Still need a hand?');
  });
});

describe('group calls', () => {
  const h = useHarness((dbFile, url) =>
    testConfig(dbFile, url, {
      sessions: { default: { gateway: 'local', ringTimeout: '1s', groupCalls: { action: 'redirect' } } },
    }),
  );

  it('with redirect, the group gets one text per call, debounced per group', async () => {
    const group = '120363000000000001@g.us';
    await ring(h, '2027-01-04T10:00:00Z', group);
    await ring(h, '2027-01-04T10:01:00Z', group);
    await h.settled();
    expect(h.gateway.sent.filter((m) => m.chatId === group).map((m) => m.text)).toEqual([
      "Hi! We saw a call from this group. We don't take calls here: write your question and we'll answer in chat.",
    ]);
    const { body } = await h.api<{ calls: Array<{ isGroup: boolean; redirect: { status: string } }> }>('/api/calls');
    expect(body.calls.map((c) => [c.isGroup, c.redirect.status])).toEqual([
      [true, 'skipped:debounced'],
      [true, 'sent'],
    ]);
  });
});
