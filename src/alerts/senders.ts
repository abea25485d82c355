import { createHash } from 'node:crypto';
import type { AlertData, AlertType } from '../domain/types.js';
import type { Clock } from '../lib/clock.js';
import { HttpTarget } from '../lib/http.js';
import { slackMessage } from './slack.js';
import { signStandardWebhook } from './standardWebhooks.js';

export interface Alert {
  /** The action's idempotency key: the same alert keeps the same id through every retry. */
  key: string;
  type: AlertType;
  at: number;
  data: AlertData;
}

export interface AlertSender {
  send(alert: Alert): Promise<void>;
  close(): Promise<void>;
}

/** A Slack incoming webhook: one Block Kit message per alert. */
export function createSlackSender(webhookUrl: string, publicUrl: string | undefined): AlertSender {
  const http = new HttpTarget(webhookUrl, { connections: 4, timeout: 10_000, label: 'Slack webhook' });
  return {
    send: async (alert) => {
      await http.request('POST', '', { json: slackMessage(alert.type, alert.data, publicUrl) });
    },
    close: () => http.close(),
  };
}

/** The CRM stream: `{ type, timestamp, data }`, signed per Standard Webhooks. */
export function createWebhookSender(url: string, secret: string, clock: Clock): AlertSender {
  const http = new HttpTarget(url, { connections: 8, timeout: 10_000, label: 'CRM webhook' });
  return {
    send: async (alert) => {
      const id = `msg_${createHash('sha256').update(alert.key).digest('hex').slice(0, 32)}`;
      const body = JSON.stringify({ type: alert.type, timestamp: new Date(alert.at).toISOString(), data: alert.data });
      // Signed at send time: each retry carries a fresh timestamp, the same id.
      const timestamp = Math.floor(clock.now() / 1000);
      await http.request('POST', '', {
        body,
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signStandardWebhook(secret, id, timestamp, body),
        },
      });
    },
    close: () => http.close(),
  };
}
