import { afterEach, describe, expect, it } from 'vitest';
import { createChatwootSender, type ChatwootOptions } from '../../../src/alerts/chatwoot.js';
import { chatwootNote, noteTimeFormat } from '../../../src/alerts/chatwoot/note.js';
import type { Alert, AlertSender } from '../../../src/alerts/senders.js';
import { callerAlertData } from '../../../src/domain/alerts.js';
import type { AlertData, AlertType } from '../../../src/domain/types.js';
import { HttpError } from '../../../src/lib/http.js';
import { startSimChatwoot, type SimChatwoot, type SimChatwootOptions } from '../../../src/sim/chatwoot.js';

const AT = Date.UTC(2026, 11, 1, 9, 41);
const ANA = '15550001111@c.us';

function alert(type: AlertType, subject: string, data: Partial<AlertData> = {}, caller: string | null = ANA): Alert {
  const d = callerAlertData('default', caller, data.reason ?? 'because', {
    callId: `call-${subject}`,
    isVideo: false,
    ...data,
  });
  return { key: `alert:chatwoot:${type}:default:${subject}`, type, at: AT, data: d };
}

const missed = (subject = 'c1', data: Partial<AlertData> = {}) =>
  alert('call.missed', subject, { status: 'missed', reason: 'nobody answered within 60s', name: 'Ana Lima', ...data });
const vip = (subject = 'c2') => alert('call.vip', subject, { vip: true, name: 'Ana Lima', status: 'ringing' });
const p1 = (subject = 'm1') =>
  alert('chat.escalated', subject, {
    callId: null,
    isVideo: null,
    priority: 'P1',
    level: 'stressed',
    callsInWindow: 5,
    message: { id: subject, text: 'Why does nobody pick up?\nIt is urgent' },
  });

async function rejection(p: Promise<unknown>): Promise<HttpError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  return err as HttpError;
}

describe('the Chatwoot sender', () => {
  let cw: SimChatwoot;
  const senders: AlertSender[] = [];
  afterEach(async () => {
    await Promise.all(senders.splice(0).map((s) => s.close()));
    await cw.close();
  });

  async function start(simOpts: SimChatwootOptions = {}) {
    cw = await startSimChatwoot({ accountId: 3, inboxIds: [7, 8], ...simOpts });
  }
  function sender(opts: Partial<ChatwootOptions> = {}): AlertSender {
    const s = createChatwootSender({ url: cw.url, accountId: 3, inboxId: 7, apiToken: cw.apiToken, ...opts });
    senders.push(s);
    return s;
  }

  it('turns a missed call into a private note in a new conversation of a new contact, labelled missed-call', async () => {
    await start();
    await sender().send(missed());
    expect([...cw.contacts.values()]).toMatchObject([
      { name: 'Ana Lima', phone_number: '+15550001111', identifier: ANA, contactInboxes: [{ inboxId: 7 }] },
    ]);
    const [conversation, ...others] = [...cw.conversations.values()];
    expect(others).toEqual([]);
    expect(conversation).toMatchObject({ inboxId: 7, status: 'open', labels: ['missed-call'], priority: null });
    expect(cw.notes(conversation!.id)).toMatchObject([
      {
        content:
          'Missed voice call at 09:41 UTC from Ana Lima (+15550001111): nobody answered within 60s.\n\n— callbridge, session "default"',
        messageType: 1,
        private: true,
        contentAttributes: { callbridge_key: 'alert:chatwoot:call.missed:default:c1' },
      },
    ]);
  });

  it('reuses the contact and conversation for the next alert, merging labels; a new process finds them by search', async () => {
    await start();
    const s = sender();
    await s.send(missed('c1'));
    await s.send(vip('c2'));
    // Another process (a restart, a replica): nothing remembered, everything found.
    await sender().send(missed('c3'));
    expect(cw.contacts.size).toBe(1);
    expect(cw.conversations.size).toBe(1);
    expect(cw.requests['contacts.create']).toBe(1);
    expect(cw.requests['conversations.create']).toBe(1);
    const [conversation] = [...cw.conversations.values()];
    expect(conversation!.labels).toEqual(['missed-call', 'vip']);
    expect(cw.notes(conversation!.id).map((n) => n.content.split('\n')[0])).toEqual([
      'Missed voice call at 09:41 UTC from Ana Lima (+15550001111): nobody answered within 60s.',
      'VIP calling now: Ana Lima (+15550001111) is calling the WhatsApp line (voice call at 09:41 UTC). Reach out in chat now.',
      'Missed voice call at 09:41 UTC from Ana Lima (+15550001111): nobody answered within 60s.',
    ]);
    // The first process asked nothing but the conversation before its second alert.
    expect(cw.requests['contacts.search']).toBe(2);
  });

  it('writes a Priority 1 as a note with the message, labels it p1 and sets the priority urgent, keeping an agent’s labels', async () => {
    await start();
    const contact = cw.addContact({ name: 'Ana', phone_number: '+15550001111', inboxId: 7 });
    const existing = cw.addConversation(contact.id, 7, { text: 'hello?', labels: ['billing'] });
    await sender().send(p1());
    expect(cw.conversations.size).toBe(1);
    expect(existing).toMatchObject({ labels: ['billing', 'p1'], priority: 'urgent' });
    expect(cw.notes(existing.id).map((n) => n.content)).toEqual([
      'Priority 1: +15550001111 rang 5 times and wrote at 09:41 UTC:\n\n> Why does nobody pick up?\n> It is urgent\n\n— callbridge, session "default"',
    ]);
    // A second P1 changes nothing it need not: labels and priority are already there.
    await sender().send(p1('m2'));
    expect(cw.requests['labels.create']).toBe(1);
    expect(cw.requests.priority).toBe(1);
    expect(cw.notes(existing.id)).toHaveLength(2);
  });

  it('finds a contact made elsewhere by its exact number, and gives it an address in the inbox', async () => {
    await start();
    // The search matches substrings: this one must not be taken for Ana.
    cw.addContact({ name: 'Not Ana', phone_number: '+155500011112', inboxId: 7 });
    const ana = cw.addContact({ name: 'Ana (from WAHA)', phone_number: '+15550001111', inboxId: 8 });
    // Her conversation in another inbox is not ours.
    cw.addConversation(ana.id, 8);
    await sender().send(missed());
    expect(cw.contacts.size).toBe(2);
    expect(ana.contactInboxes.map((ci) => ci.inboxId)).toEqual([8, 7]);
    const ours = [...cw.conversations.values()].filter((c) => c.inboxId === 7);
    expect(ours).toMatchObject([{ contactId: ana.id, labels: ['missed-call'] }]);
    expect(cw.notes(ours[0]!.id)).toHaveLength(1);
  });

  it('opens a new conversation when the remembered one was resolved, and recovers from one deleted meanwhile', async () => {
    await start();
    const s = sender();
    await s.send(missed('c1'));
    const first = [...cw.conversations.values()][0]!;
    cw.setStatus(first.id, 'resolved');
    await s.send(missed('c2'));
    const second = [...cw.conversations.values()].find((c) => c.id !== first.id)!;
    expect(second).toMatchObject({ status: 'open', contactId: first.contactId });
    expect(cw.notes(second.id)).toHaveLength(1);

    cw.deleteConversation(second.id);
    await s.send(missed('c3'));
    const third = [...cw.conversations.values()].find((c) => c.id !== first.id)!;
    expect(third.id).not.toBe(second.id);
    expect(cw.notes(third.id)).toHaveLength(1);

    // The contact itself deleted (or merged away): found or made again, once.
    cw.deleteContact(first.contactId);
    await s.send(missed('c4'));
    expect(cw.contacts.size).toBe(1);
    expect(cw.notes()).toHaveLength(1);
  });

  it('keeps a pending conversation rather than opening a second one', async () => {
    await start();
    const contact = cw.addContact({ name: 'Ana', phone_number: '+15550001111', inboxId: 7 });
    const pending = cw.addConversation(contact.id, 7);
    cw.setStatus(pending.id, 'pending');
    await sender().send(missed());
    expect(cw.conversations.size).toBe(1);
    expect(cw.notes(pending.id)).toHaveLength(1);
  });

  it('fails mid-sequence with a retryable error, and the retry duplicates neither contact, conversation nor note', async () => {
    await start();
    const s = sender();
    cw.failNext('labels.create', 1, 503);
    const err = await rejection(s.send(missed()));
    expect(err).toMatchObject({ retryable: true, statusCode: 503 });
    expect(cw.notes()).toHaveLength(1);
    await s.send(missed());
    expect(cw.contacts.size).toBe(1);
    expect(cw.conversations.size).toBe(1);
    expect(cw.notes()).toHaveLength(1);
    expect([...cw.conversations.values()][0]!.labels).toEqual(['missed-call']);
  });

  it('does not repeat a note whose answer was lost, even from another process', async () => {
    await start();
    const contact = cw.addContact({ name: 'Ana', phone_number: '+15550001111', inboxId: 7 });
    cw.addConversation(contact.id, 7, { text: 'hi' });
    cw.failNext('messages.create', 1, 502, { afterCommit: true });
    expect(await rejection(sender().send(missed()))).toMatchObject({ retryable: true, statusCode: 502 });
    expect(cw.notes()).toHaveLength(1);
    await sender().send(missed());
    expect(cw.notes()).toHaveLength(1);
    expect(cw.requests['messages.create']).toBe(1);
    // A different alert with a different key is still written.
    await sender().send(missed('c2'));
    expect(cw.notes()).toHaveLength(2);
  });

  it('finds its lost note behind a page of newer messages', async () => {
    await start();
    const contact = cw.addContact({ name: 'Ana', phone_number: '+15550001111', inboxId: 7 });
    const c = cw.addConversation(contact.id, 7);
    const recent = { ...missed(), at: Date.now() };
    cw.failNext('messages.create', 1, 503, { afterCommit: true });
    await rejection(sender().send(recent));
    // The caller and an agent write 25 messages before the retry.
    for (let i = 0; i < 25; i++) cw.addMessage(c.id, `message ${i}`);
    await sender().send(recent);
    expect(cw.notes()).toHaveLength(1);
    expect(cw.requests['messages.list']).toBe(3);
  });

  it('on a Chatwoot that drops content attributes, recognises its lost note by the same private text', async () => {
    await start({ keepContentAttributes: false });
    const contact = cw.addContact({ name: 'Ana', phone_number: '+15550001111', inboxId: 7 });
    cw.addConversation(contact.id, 7);
    cw.failNext('messages.create', 1, 503, { afterCommit: true });
    await rejection(sender().send(missed()));
    await sender().send(missed());
    expect(cw.notes()).toHaveLength(1);
    expect(cw.notes()[0]!.contentAttributes).toEqual({});
  });

  it('finds the contact and conversation an earlier attempt made when their answers were lost', async () => {
    await start();
    cw.failNext('contacts.create', 1, 503, { afterCommit: true });
    await rejection(sender().send(missed()));
    cw.failNext('conversations.create', 1, 504, { afterCommit: true });
    await rejection(sender().send(missed()));
    expect(cw.contacts.size).toBe(1);
    expect(cw.conversations.size).toBe(1);
    expect(cw.notes()).toHaveLength(0);
    await sender().send(missed());
    expect(cw.contacts.size).toBe(1);
    expect(cw.conversations.size).toBe(1);
    expect(cw.notes()).toHaveLength(1);
  });

  it('takes the contact another writer created meanwhile (422 on create) instead of failing', async () => {
    await start();
    // Between our search and our create, a replica (or the gateway's integration) creates Ana.
    cw.beforeNext('contacts.create', () => cw.addContact({ name: 'Ana', phone_number: '+15550001111' }));
    await sender().send(missed());
    expect(cw.contacts.size).toBe(1);
    expect(cw.requests['contacts.search']).toBe(2);
    expect(cw.notes()).toHaveLength(1);
  });

  it('sends one caller’s alerts in turn: two at once make one contact and one conversation', async () => {
    await start();
    const s = sender();
    await Promise.all([s.send(missed('c1')), s.send(vip('c2')), s.send(p1('m1'))]);
    expect(cw.contacts.size).toBe(1);
    expect(cw.conversations.size).toBe(1);
    expect(cw.notes()).toHaveLength(3);
    expect([...cw.conversations.values()][0]).toMatchObject({
      labels: ['missed-call', 'vip', 'p1'],
      priority: 'urgent',
    });
  });

  it('writes to a LID caller (no number) as a contact known by its chat id', async () => {
    await start();
    const lid = '155123456789012@lid';
    const s = sender();
    await s.send(alert('call.missed', 'l1', { reason: 'nobody answered within 60s' }, lid));
    await sender().send(alert('call.missed', 'l2', { reason: 'nobody answered within 60s' }, lid));
    expect([...cw.contacts.values()]).toMatchObject([{ name: lid, phone_number: null, identifier: lid }]);
    expect(cw.notes()).toHaveLength(2);
    expect(cw.notes()[0]!.content).toMatch(/^Missed voice call at 09:41 UTC from 155123456789012@lid:/);
  });

  it('reports what the dispatcher must fail at once (401, 404, no caller) and what it must retry (5xx, 429, network)', async () => {
    await start();
    expect(await rejection(sender({ apiToken: 'wrong' }).send(missed()))).toMatchObject({
      retryable: false,
      statusCode: 401,
    });
    expect(await rejection(sender({ accountId: 4 }).send(missed()))).toMatchObject({
      retryable: false,
      statusCode: 404,
    });
    expect(await rejection(sender({ inboxId: 99 }).send(missed()))).toMatchObject({
      retryable: false,
      statusCode: 404,
    });
    const before = { ...cw.requests };
    expect(await rejection(sender().send(alert('call.missed', 'x', {}, null)))).toMatchObject({ retryable: false });
    expect(cw.requests).toEqual(before);

    cw.setDown(true);
    expect(await rejection(sender().send(missed()))).toMatchObject({ retryable: true, statusCode: 503 });
    cw.setDown(false);
    cw.failNext('contacts.search', 1, 429, { retryAfter: '7' });
    expect(await rejection(sender().send(missed()))).toMatchObject({
      retryable: true,
      statusCode: 429,
      retryAfter: '7',
    });
    const url = cw.url;
    await cw.close();
    const offline = createChatwootSender({ url, accountId: 3, inboxId: 7, apiToken: 'x', timeout: 2000 });
    senders.push(offline);
    expect(await rejection(offline.send(missed()))).toMatchObject({ retryable: true, statusCode: null });
    cw = await startSimChatwoot(); // for afterEach
  });

  it('never puts the token in an error message', async () => {
    await start();
    cw.setDown(true);
    const err = await rejection(sender().send(missed()));
    expect(err.message).not.toContain(cw.apiToken);
    expect(err.message).toMatch(/^GET \/api\/v1\/accounts\/3\/contacts\/search: HTTP 503$/);
  });
});

describe('the simulated Chatwoot', () => {
  it('answers 401 without the api_access_token header', async () => {
    const cw = await startSimChatwoot();
    try {
      const res = await fetch(`${cw.url}/api/v1/accounts/1/contacts/search?q=1`);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'Invalid Access Token' });
      const ok = await fetch(`${cw.url}/api/v1/accounts/1/contacts/search?q=1`, {
        headers: { api_access_token: cw.apiToken },
      });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ payload: [] });
    } finally {
      await cw.close();
    }
  });
});

describe('Chatwoot notes', () => {
  it('renders times in the given time zone', () => {
    const n = chatwootNote(missed(), noteTimeFormat('America/Sao_Paulo'));
    expect(n.content).toMatch(/^Missed voice call at 06:41 from Ana Lima/);
  });

  it('labels and prioritises by what the alert says', () => {
    expect(chatwootNote(missed('c1', { vip: true }))).toMatchObject({
      labels: ['missed-call', 'vip'],
      priority: null,
    });
    expect(chatwootNote(missed('c1', { vip: true })).content).toMatch(/from Ana Lima \(\+15550001111\), a VIP,:/);
    expect(chatwootNote(p1())).toMatchObject({ labels: ['p1'], priority: 'urgent' });
    const stressed = alert('caller.stressed', 's1', { callsInWindow: 4, level: 'stressed' });
    expect(chatwootNote(stressed).content.split('\n')[0]).toBe(
      '+15550001111 keeps calling: 4 calls in a short time, the latest at 09:41 UTC. Their next message will be raised as Priority 1.',
    );
    const video = alert('call.received', 'r1', { isVideo: true, name: 'Bo' });
    expect(chatwootNote(video).content.split('\n')[0]).toBe(
      'Video call from Bo (+15550001111) at 09:41 UTC: ringing now.',
    );
  });
});
