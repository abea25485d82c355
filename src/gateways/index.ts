import type { GatewayConfig } from '../config/index.js';
import { createEvolutionClient } from './evolution/client.js';
import { verifyEvolutionJwt } from './evolution/signature.js';
import { parseEvolutionWebhook, redactEvolutionBody } from './evolution/webhook.js';
import type { GatewayClient, ParsedWebhook } from './types.js';
import { createWahaClient } from './waha/client.js';
import { verifyHmacSha512 } from './waha/signature.js';
import { parseWahaWebhook } from './waha/webhook.js';
import { createWawpClient } from './wawp/client.js';
import { parseWawpWebhook } from './wawp/webhook.js';

type Headers = Record<string, string | string[] | undefined>;

/** What callbridge needs from one kind of gateway. Adding a gateway = a folder + an entry here. */
export interface GatewayKind<C extends GatewayConfig = GatewayConfig> {
  parseWebhook(body: unknown): ParsedWebhook;
  /** Null when the request is authentic (or the gateway is configured without a key); else what is wrong. */
  authenticate(rawBody: Buffer, headers: Headers, config: C): Promise<string | null>;
  /** The body as it may be stored and served: without the credentials some gateways put in it. */
  storableBody(body: unknown): unknown;
  createClient(config: C): GatewayClient;
}

const header = (h: Headers, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** WAHA's scheme; Wawp documents none, so a key configured for it is held to WAHA's, which it shares. */
async function hmacSha512(
  raw: Buffer,
  headers: Headers,
  config: { hmacKey?: string | undefined },
): Promise<string | null> {
  if (!config.hmacKey) return null;
  const signature = header(headers, 'x-webhook-hmac');
  if (signature === undefined) return 'X-Webhook-Hmac header is missing';
  return verifyHmacSha512(raw, signature, config.hmacKey) ? null : 'X-Webhook-Hmac does not match the body';
}

const kinds: { [T in GatewayConfig['type']]: GatewayKind<Extract<GatewayConfig, { type: T }>> } = {
  waha: {
    parseWebhook: parseWahaWebhook,
    authenticate: hmacSha512,
    storableBody: (b) => b,
    createClient: (c) =>
      createWahaClient({ url: c.url, apiKey: c.apiKey, connections: c.connections, timeout: c.timeout }),
  },
  wawp: {
    parseWebhook: parseWawpWebhook,
    authenticate: hmacSha512,
    storableBody: (b) => b,
    createClient: (c) =>
      createWawpClient({
        url: c.url,
        instanceId: c.instanceId,
        accessToken: c.accessToken,
        connections: c.connections,
        timeout: c.timeout,
      }),
  },
  evolution: {
    parseWebhook: parseEvolutionWebhook,
    async authenticate(_raw, headers, c) {
      if (!c.jwtKey) return null;
      const auth = header(headers, 'authorization');
      if (auth === undefined) return 'Authorization: Bearer <JWT> header is missing';
      return (await verifyEvolutionJwt(auth, c.jwtKey)) ? null : 'the Authorization JWT is invalid or expired';
    },
    storableBody: redactEvolutionBody,
    createClient: (c) =>
      createEvolutionClient({ url: c.url, apiKey: c.apiKey, connections: c.connections, timeout: c.timeout }),
  },
};

export function gatewayKind(config: GatewayConfig): GatewayKind {
  return kinds[config.type] as GatewayKind;
}
