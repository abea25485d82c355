import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseConfig, type Config } from '../config/index.js';
import { WEEKDAYS } from '../domain/hours.js';
import { systemClock } from '../lib/clock.js';
import { startCallbridge } from '../server.js';
import { startSimGateway } from './gateway.js';
import { startSimReceivers } from './receivers.js';
import { playStory } from './story.js';

const HMAC = 'demo-hmac-key';
const RING_TIMEOUT_MS = 8000;
/** The agents the demo's dashboard knows, each with a token made for this run. */
const AGENTS = ['ana', 'bo'];

export interface DemoTokens {
  admin: string;
  agents: Record<string, string>;
}

const newToken = () => randomBytes(18).toString('base64url');

/** The demo's callbridge: one session, a welcome, low frustration levels, Slack and a CRM (the VIP comes through the API). */
/** The bakery's hour a day, twelve hours from now (UTC). */
function openHour(): string {
  const hour = (new Date(systemClock.now()).getUTCHours() + 12) % 24;
  const hh = (h: number) => String(h).padStart(2, '0');
  return `${hh(hour)}:00-${hh((hour + 1) % 24)}:00`;
}

function demoConfig(dir: string, gatewayUrl: string, receiversUrl: string, tokens: DemoTokens): Config {
  return parseConfig(
    {
      http: { host: '127.0.0.1', port: 0 },
      database: `sqlite:${join(dir, 'demo.db')}`,
      api: {
        token: tokens.admin,
        agents: Object.fromEntries(Object.entries(tokens.agents).map(([name, token]) => [name, { token }])),
      },
      log: { level: 'warn' },
      gateways: { waha: { type: 'waha', url: gatewayUrl, apiKey: 'demo-api-key', hmacKey: HMAC } },
      sessions: {
        default: {
          gateway: 'waha',
          ringTimeout: `${RING_TIMEOUT_MS / 1000}s`,
          welcome: { enabled: true },
          frustration: { elevated: 2, stressed: 3 },
          redirect: { debounce: '1s' },
        },
        // A second WhatsApp number on the same gateway, closed whenever the demo runs: its one open
        // hour a day is twelve hours away. It answers Spanish numbers in Spanish.
        bakery: {
          gateway: 'waha',
          ringTimeout: `${RING_TIMEOUT_MS / 1000}s`,
          hours: { timezone: 'UTC', weekly: Object.fromEntries(WEEKDAYS.map((d) => [d, [openHour()]])) },
          languages: { default: 'en', byCountry: { '34': 'es' } },
          redirect: {
            closed: {
              voice: {
                en: "Hi {{name}}! We're closed right now and open again {{opensAt}}. Leave your order here.",
                es: '¡Hola {{name}}! Ahora estamos cerrados; abrimos {{opensAt}}. Déjanos tu pedido aquí.',
              },
            },
          },
        },
      },
      alerts: {
        slack: { webhookUrl: `${receiversUrl}/slack` },
        webhook: {
          url: `${receiversUrl}/crm/events`,
          secret: `whsec_${Buffer.from('demo-secret-for-the-crm-stream!!').toString('base64')}`,
        },
      },
      dispatch: { pollInterval: '100ms' },
    },
    {},
  );
}

export interface Demo {
  /** The dashboard's address. */
  url: string;
  tokens: DemoTokens;
  play(): Promise<void>;
  close(): Promise<void>;
}

/** A simulated WAHA, Slack and CRM on loopback around a real callbridge, ready to play the story. */
export async function startDemo(say: (line: string) => void = console.log): Promise<Demo> {
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-demo-'));
  const gateway = await startSimGateway({ apiKey: 'demo-api-key' });
  const receivers = await startSimReceivers();
  const tokens: DemoTokens = { admin: newToken(), agents: Object.fromEntries(AGENTS.map((a) => [a, newToken()])) };
  const bridge = await startCallbridge(demoConfig(dir, gateway.url, receivers.url, tokens));
  say(`callbridge on ${bridge.url}, a simulated WAHA on ${gateway.url}, Slack and a CRM on ${receivers.url}\n`);
  return {
    url: `${bridge.url}/`,
    tokens,
    play: () =>
      playStory({
        url: bridge.url,
        hmacKey: HMAC,
        token: tokens.admin,
        gateway,
        receivers,
        ringTimeoutMs: RING_TIMEOUT_MS,
        say,
      }),
    async close() {
      await bridge.close();
      await gateway.close();
      await receivers.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Where to look and what to sign in with. */
function sayAccess(demo: Demo, say: (line: string) => void) {
  say(`The dashboard: ${demo.url}`);
  const line = (label: string, value: string) => say(`   ${label.padEnd(14)}${value}`);
  line('admin token:', demo.tokens.admin);
  for (const [agent, token] of Object.entries(demo.tokens.agents)) line(`${agent}'s token:`, token);
}

/**
 * `npm run demo`: plays the story, then keeps callbridge running until Ctrl-C so the dashboard can
 * be used (claim the queue's items as ana or bo). `--once` exits after the story, as CI needs.
 */
async function main(args: string[]) {
  const once = args.includes('--once');
  const say = (line: string) => console.log(line);
  const demo = await startDemo(say);
  if (once) {
    try {
      await demo.play();
    } finally {
      await demo.close();
    }
    return;
  }
  const stop = async () => {
    await demo.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  sayAccess(demo, say);
  // On a terminal, time to open the dashboard first, and watch its queue fill.
  if (process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    await rl.question('\nOpen the dashboard, sign in with a token, then press Enter to play the story. ');
    rl.close();
  }
  say('');
  await demo.play();
  say('\nThe story is over; callbridge keeps running. Claim and close the items in the Queue tab.');
  sayAccess(demo, say);
  say(`   stats:        ${demo.url} → Stats (GET ${demo.url}api/stats)`);
  say('Ctrl-C to stop.');
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
