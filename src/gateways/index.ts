import type { GatewayConfig } from '../config.js';
import type { GatewayClient, ParsedWebhook } from './types.js';
import { createWahaClient } from './waha/client.js';
import { verifyHmacSha512 } from './waha/signature.js';
import { parseWahaWebhook } from './waha/webhook.js';
import { createWawpClient } from './wawp/client.js';
import { parseWawpWebhook } from './wawp/webhook.js';

/** What callbridge needs from one kind of gateway. Adding a gateway = a folder + an entry here. */
export interface GatewayKind {
  parseWebhook(body: unknown): ParsedWebhook;
  /** True when the request carries a valid signature for `key`. */
  verifySignature(rawBody: Buffer, headers: Record<string, string | string[] | undefined>, key: string): boolean;
  createClient(config: GatewayConfig): GatewayClient;
}

const header = (h: Record<string, string | string[] | undefined>, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

const wahaSignature: GatewayKind['verifySignature'] = (raw, headers, key) =>
  verifyHmacSha512(raw, header(headers, 'x-webhook-hmac'), key);

export const gatewayKinds: Record<GatewayConfig['type'], GatewayKind> = {
  waha: {
    parseWebhook: parseWahaWebhook,
    verifySignature: wahaSignature,
    createClient: (c) => {
      if (c.type !== 'waha') throw new Error('expected a waha gateway');
      return createWahaClient({ url: c.url, apiKey: c.apiKey, connections: c.connections, timeout: c.timeout });
    },
  },
  wawp: {
    parseWebhook: parseWawpWebhook,
    // Wawp documents no signature; when a key is configured we hold it to WAHA's scheme, which it shares.
    verifySignature: wahaSignature,
    createClient: (c) => {
      if (c.type !== 'wawp') throw new Error('expected a wawp gateway');
      return createWawpClient({
        url: c.url,
        instanceId: c.instanceId,
        accessToken: c.accessToken,
        connections: c.connections,
        timeout: c.timeout,
      });
    },
  },
};
