import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/index.js';
import { startCallbridge } from '../server.js';
import { startSimGateway } from './gateway.js';
import { startSimReceivers } from './receivers.js';
import { callReceived, callRejected, messageReceived, postWebhook } from './webhooks.js';

const HMAC = 'demo-hmac-key';

/**
 * A guided tour on loopback: a simulated WAHA, Slack and CRM around a real callbridge, and a few
 * callers. Returns what happened, line by line; `npm run demo` prints it.
 */
export async function runDemo(say: (line: string) => void = console.log): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-demo-'));
  const gateway = await startSimGateway({ apiKey: 'demo-api-key' });
  const receivers = await startSimReceivers();
  const config = parseConfig(
    {
      http: { host: '127.0.0.1', port: 0 },
      database: `sqlite:${join(dir, 'demo.db')}`,
      log: { level: 'warn' },
      gateways: { waha: { type: 'waha', url: gateway.url, apiKey: 'demo-api-key', hmacKey: HMAC } },
      sessions: {
        default: {
          gateway: 'waha',
          ringTimeout: '8s',
          vip: { numbers: ['+1 555 000 0007'] },
          welcome: { enabled: true },
          frustration: { elevated: 2, stressed: 3 },
          redirect: { debounce: '1s' },
        },
      },
      alerts: {
        slack: { webhookUrl: `${receivers.url}/slack` },
        webhook: {
          url: `${receivers.url}/crm/events`,
          secret: `whsec_${Buffer.from('demo-secret-for-the-crm-stream!!').toString('base64')}`,
        },
      },
      dispatch: { pollInterval: '100ms' },
    },
    {},
  );
  const bridge = await startCallbridge(config);
  const post = (body: object) => postWebhook(`${bridge.url}/webhooks/waha`, body, { hmacKey: HMAC });
  let seenTexts = 0;
  let seenSlack = 0;
  const settle = async (ms = 600) => {
    await new Promise((r) => setTimeout(r, ms));
    for (const s of gateway.sent.slice(seenTexts)) say(`   → WhatsApp to ${s.chatId}: "${s.text}"`);
    for (const s of receivers.slack.slice(seenSlack)) say(`   → Slack: ${(s.json as { text: string }).text}`);
    seenTexts = gateway.sent.length;
    seenSlack = receivers.slack.length;
  };

  try {
    say(`callbridge on ${bridge.url}, a simulated WAHA on ${gateway.url}, Slack and a CRM on ${receivers.url}\n`);
    gateway.setContact('15550000001', { pushname: 'John' });
    gateway.setContact('15550000002', { pushname: 'Ana' });
    gateway.setContact('15550000003', { pushname: 'Bob' });
    gateway.setContact('15550000007', { pushname: 'Victoria' });

    say('John calls (voice). Nobody can pick up a WhatsApp call through a gateway...');
    await post(callReceived({ from: '15550000001@c.us', callId: 'john-1' }));
    await settle();
    say('...and the same ring is reported twice more, as gateways do: no second message.');
    await post(callReceived({ from: '15550000001@c.us', callId: 'john-1' }));
    await post(callReceived({ from: '15550000001@c.us', callId: 'john-2' }));
    await settle();

    say('\nAna video-calls, then hangs up (rejected):');
    await post(callReceived({ from: '15550000002@c.us', callId: 'ana-1', isVideo: true }));
    await post(callRejected({ from: '15550000002@c.us', callId: 'ana-1' }));
    await settle();

    say('\nVictoria is a VIP: no bot, a person is told at once.');
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

    say('\nNobody picked up the calls still ringing; after the 8s ring timeout they are missed:');
    const ringing = async () =>
      ((await bridge.app.inject({ url: '/api/calls?status=ringing' }).then((r) => r.json())) as { calls: unknown[] })
        .calls.length;
    // The demo runs on the machine's clock, so the ring timeout takes its real 8 s.
    const deadline = performance.now() + 15_000;
    while ((await ringing()) > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await settle(300);

    const calls = (await bridge.app.inject({ url: '/api/calls' }).then((r) => r.json())) as {
      calls: Array<{ callId: string; status: string; redirect: { status: string } }>;
    };
    say('\nGET /api/calls:');
    for (const c of calls.calls) say(`   ${c.callId.padEnd(8)} ${c.status.padEnd(9)} redirect ${c.redirect.status}`);
    const types = receivers.events.map((e) => (e.json as { type: string }).type);
    say(`\nThe CRM received ${types.length} signed events: ${[...new Set(types)].join(', ')}`);
  } finally {
    await bridge.close();
    await gateway.close();
    await receivers.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runDemo();
