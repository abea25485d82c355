import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimReceivers, type SimReceivers } from '../../src/sim/receivers.js';
import { callAccepted, callReceived, messageReceived } from '../../src/sim/webhooks.js';
import { startHarness, testConfig, type Harness } from '../helpers/harness.js';

const SECRET = `whsec_${Buffer.from('a-crm-signing-secret-of-32-bytes').toString('base64')}`;

/** What hostile or broken gateways have put where a caller belongs. */
const JUNK = [
  '<img src=x onerror=alert(3)>@c.us',
  'abc@c.us',
  '123@c.us',
  '1234567890123456@c.us',
  'x@lid',
  '<b>1551234</b>@lid',
  'status@broadcast',
  '<script>@g.us',
];

describe('a caller that is no WhatsApp chat', () => {
  let r: SimReceivers;
  let h: Harness;
  beforeEach(async () => {
    r = await startSimReceivers();
    // Every side effect switched on, so that "nothing happened" means something.
    h = await startHarness((db, url) => {
      const c = testConfig(db, url);
      c.alerts = { webhook: { url: `${r.url}/crm/events`, secret: SECRET, expireAfter: 60_000 } };
      const s = c.sessions.default!;
      s.rejectCalls = true;
      s.welcome.enabled = true;
      return c;
    });
  });
  afterEach(async () => {
    await h.close();
    await r.close();
  });

  it('is stored as invalid_caller and acted on never: no redirect, alert, reject or lookup', async () => {
    for (const [i, from] of JUNK.entries()) {
      const ring = await h.post(callReceived({ from, callId: `junk-${i}` }));
      expect(ring, from).toMatchObject({ status: 200, json: { status: 'invalid_caller' } });
      const closed = await h.post(callAccepted({ from, callId: `junk-${i}` }));
      expect(closed.json, from).toMatchObject({ status: 'invalid_caller' });
      const text = await h.post(messageReceived({ from, body: 'hello' }));
      expect(text.json, from).toMatchObject({ status: 'invalid_caller' });
    }
    // A real caller afterwards is served as ever: what was refused above is all there is.
    await h.post(callReceived({ from: '15550009999@c.us', callId: 'real' }));
    await h.gateway.waitFor((g) => g.sent.length === 1 && g.rejects.length === 1);
    await r.waitFor('the real call alert', () => r.events.length === 1);
    await h.settled();

    const db = h.bridge.store.db;
    const events = await db.selectFrom('events').select(['outcome', 'call_id']).execute();
    expect(events.filter((e) => e.outcome === 'invalid_caller')).toHaveLength(JUNK.length * 3);
    expect(events.filter((e) => e.outcome === 'invalid_caller' && e.call_id !== null)).toEqual([]);
    const calls = await db.selectFrom('calls').select('call_id').execute();
    expect(calls.map((c) => c.call_id)).toEqual(['real']);
    const actions = await db.selectFrom('actions').select('call_id').execute();
    expect(actions.every((a) => a.call_id === 'real')).toBe(true);
    expect(h.gateway.sent.map((s) => s.chatId)).toEqual(['15550009999@c.us']);
    expect(h.gateway.rejects.map((s) => s.from)).toEqual(['15550009999@c.us']);
    expect(h.gateway.lookups.map((l) => l.contactId)).toEqual(['15550009999@c.us']);
    const callers = await db.selectFrom('callers').select('caller').execute();
    expect(callers.map((c) => c.caller)).toEqual(['15550009999@c.us']);
  });

  it('keeps group calls as group calls: recorded, never redirected', async () => {
    const res = await h.post(callReceived({ from: '120363025246125486@g.us', callId: 'group', isGroup: true }));
    expect(res.json).toMatchObject({ status: 'processed' });
    // A group's chat id is a group call even when the flag says otherwise.
    await h.post(callReceived({ from: '15550001111-1623456789@g.us', callId: 'old-group', isGroup: false }));
    await h.settled();
    const { body } = await h.api<{ calls: Array<{ caller: string; isGroup: boolean; redirect: { status: string } }> }>(
      '/api/calls',
    );
    expect(body.calls).toMatchObject([
      { caller: '15550001111-1623456789@g.us', isGroup: true, redirect: { status: 'skipped:group' } },
      { caller: '120363025246125486@g.us', isGroup: true, redirect: { status: 'skipped:group' } },
    ]);
    expect(h.gateway.sent).toEqual([]);
  });

  it('answers a LID the gateway resolves to junk on the LID, not on a number made of it', async () => {
    h.gateway.setLid('1551234@lid', '<img src=x onerror=alert(3)>@c.us');
    await h.post(callReceived({ from: '1551234@lid', callId: 'lid' }));
    await h.gateway.waitFor((g) => g.sent.length === 1);
    expect(h.gateway.sent[0]!.chatId).toBe('1551234@lid');
  });
});
