import type { SimGateway } from './gateway.js';
import type { SimReceivers } from './receivers.js';
import { callReceived, callRejected, messageReceived, postWebhook } from './webhooks.js';

export interface StoryStage {
  /** callbridge's address; its webhooks take `hmacKey`'s signature. */
  url: string;
  hmacKey: string;
  /** Admin token, for reading the API as the story goes. */
  token: string;
  gateway: SimGateway;
  receivers: SimReceivers;
  /** The ring timeout the story waits out, as configured. */
  ringTimeoutMs: number;
  say: (line: string) => void;
}

/**
 * The demo's callers, one scene at a time, each told as what callbridge does with it. The demo runs
 * on the machine's clock, so waits are real: a dashboard open beside it fills as the story goes.
 */
export async function playStory(s: StoryStage): Promise<void> {
  const { gateway, receivers, say } = s;
  const post = (body: object) => postWebhook(`${s.url}/webhooks/waha`, body, { hmacKey: s.hmacKey });
  const api = async <T>(path: string) =>
    (await (await fetch(s.url + path, { headers: { authorization: `Bearer ${s.token}` } })).json()) as T;
  let seenTexts = 0;
  let seenSlack = 0;
  /** Waits `ms`, then tells what WhatsApp and Slack got meanwhile. */
  const settle = async (ms = 600) => {
    await new Promise((r) => setTimeout(r, ms));
    for (const t of gateway.sent.slice(seenTexts)) say(`   → WhatsApp to ${t.chatId}: "${t.text}"`);
    for (const m of receivers.slack.slice(seenSlack)) say(`   → Slack: ${(m.json as { text: string }).text}`);
    seenTexts = gateway.sent.length;
    seenSlack = receivers.slack.length;
  };

  gateway.setContact('15550000001', { pushname: 'John' });
  gateway.setContact('15550000002', { pushname: 'Ana' });
  gateway.setContact('15550000003', { pushname: 'Bob' });
  gateway.setContact('15550000007', { pushname: 'Victoria' });

  say('John calls (voice). Nobody can pick up a WhatsApp call through a gateway...');
  await post(callReceived({ from: '15550000001@c.us', callId: 'john-1' }));
  await settle();
  say('...the gateway reports that ring again (ignored: same call id), and John rings once more (john-2):');
  say('a second call of its own, but no second message: John was written to under a second ago (the debounce).');
  await post(callReceived({ from: '15550000001@c.us', callId: 'john-1' }));
  await post(callReceived({ from: '15550000001@c.us', callId: 'john-2' }));
  await settle();

  say('\nAna video-calls, then hangs up (rejected):');
  await post(callReceived({ from: '15550000002@c.us', callId: 'ana-1', isVideo: true }));
  await post(callRejected({ from: '15550000002@c.us', callId: 'ana-1' }));
  await settle();

  say('\nVictoria is a VIP (added with her name, as the VIPs tab does): no bot, a person is told at once.');
  await fetch(`${s.url}/api/sessions/default/vips`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ number: '+1 555 000 0007', name: 'Victoria' }),
  });
  await post(callReceived({ from: '15550000007@c.us', callId: 'vip-1' }));
  await settle();

  say('\nBob calls three times in a row (stressed at 3 in this demo):');
  for (let i = 1; i <= 3; i++) {
    await post(callReceived({ from: '15550000003@c.us', callId: `bob-${i}` }));
    await settle(i === 3 ? 600 : 1100);
  }
  say('Bob gives up and writes:');
  await post(messageReceived({ from: '15550000003@c.us', body: 'Please, my delivery never came!' }));
  await settle();

  say('\nA new customer writes without calling first:');
  gateway.setContact('15550000004', { pushname: 'Carla' });
  await post(messageReceived({ from: '15550000004@c.us', body: 'Do you deliver on Sundays?' }));
  await settle();

  say('\nCarla would rather not get automated texts, and writes STOP:');
  await post(messageReceived({ from: '15550000004@c.us', body: 'STOP' }));
  await settle();
  say('then calls: the call is recorded and the agents hear of it, but she gets no text (skipped:opted_out).');
  await post(callReceived({ from: '15550000004@c.us', callId: 'carla-1' }));
  await settle();

  say('\nLucía (+34) calls the bakery, another number on this gateway, while it is closed:');
  say('the closed-hours text, in Spanish, says when it opens.');
  gateway.setContact('34600000005', { pushname: 'Lucía' });
  await post(callReceived({ from: '34600000005@c.us', callId: 'lucia-1', session: 'bakery' }));
  await settle();

  say(`\nNobody picked up the calls still ringing; after the ${s.ringTimeoutMs / 1000}s ring timeout they are missed,`);
  say('and each missed call gets its own alert:');
  const ringing = async () => (await api<{ calls: unknown[] }>('/api/calls?status=ringing')).calls.length;
  const deadline = performance.now() + s.ringTimeoutMs + 7000;
  while ((await ringing()) > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await settle(300);

  const { calls } = await api<{ calls: Array<{ callId: string; status: string; redirect: { status: string } }> }>(
    '/api/calls',
  );
  say('\nGET /api/calls:');
  for (const c of calls) say(`   ${c.callId.padEnd(8)} ${c.status.padEnd(9)} redirect ${c.redirect.status}`);
  const { items } = await api<{ items: Array<{ kind: string; name: string | null; number: string | null }> }>(
    '/api/queue?state=open',
  );
  say(`\nThe agents' queue (GET /api/queue), most urgent first: ${items.length} waiting`);
  for (const i of items) say(`   ${i.kind.padEnd(7)} ${(i.name ?? '').padEnd(9)} +${i.number}`);
  const types = receivers.events.map((e) => (e.json as { type: string }).type);
  say(`\nThe CRM received ${types.length} signed events: ${[...new Set(types)].join(', ')}`);
  const stats = await api<{
    calls: { total: number; missed: number };
    redirects: { sent: number; skipped: Record<string, number> };
    conversions: number;
  }>('/api/stats');
  const skipped = Object.entries(stats.redirects.skipped).map(([why, n]) => `${n} ${why}`);
  say(
    `\nGET /api/stats (the Stats tab): ${stats.calls.total} calls, ${stats.calls.missed} missed; ` +
      `${stats.redirects.sent} redirects sent, skipped: ${skipped.join(', ') || 'none'}; ${stats.conversions} replied in chat.`,
  );
}
