import { Webhook } from 'standardwebhooks';
import type { Config } from '../../src/config/index.js';
import type { Received, SimReceivers } from '../../src/sim/receivers.js';
import { testConfig } from './harness.js';

/** For the tests of agents in the loop: callbridge wired to simulated Slack and CRM receivers. */

const SECRET = `whsec_${Buffer.from('a-crm-signing-secret-of-32-bytes').toString('base64')}`;

export interface CrmEvent {
  type: string;
  timestamp: string;
  data: {
    session: string;
    callId: string | null;
    caller: string | null;
    name: string | null;
    reason: string;
    priority: string | null;
    message: { text: string } | null;
  };
}

export const eventsOf = (r: SimReceivers, type?: string) =>
  r.events.map((e) => e.json as CrmEvent).filter((e) => type === undefined || e.type === type);
export const slackTexts = (r: SimReceivers) => r.slack.map((s) => (s.json as { text: string }).text);

/** Verifies with the reference implementation of Standard Webhooks, not ours. */
export function verified(e: Received): unknown {
  return new Webhook(SECRET).verify(e.raw, {
    'webhook-id': e.headers['webhook-id']!,
    'webhook-timestamp': e.headers['webhook-timestamp']!,
    'webhook-signature': e.headers['webhook-signature']!,
  });
}

export function agentsConfig(r: SimReceivers, tweak: (c: Config) => void = () => {}) {
  return (db: string, url: string) => {
    const c = testConfig(db, url);
    c.http.publicUrl = 'https://callbridge.example';
    c.alerts = {
      slack: { webhookUrl: `${r.url}/slack` },
      webhook: { url: `${r.url}/crm/events`, secret: SECRET, expireAfter: 60_000 },
    };
    const s = c.sessions.default!;
    s.vip.numbers = ['15550001111@c.us'];
    s.welcome.enabled = true;
    tweak(c);
    return c;
  };
}
