import { HttpTarget, LOOKUP_CONNECTIONS, type HttpTargetOptions } from '../../lib/http.js';
import type { GatewayClient } from '../types.js';

export interface WawpClientOptions extends HttpTargetOptions {
  url: string;
  instanceId: string;
  accessToken: string;
}

interface WawpContact {
  pushname?: string | null;
  name?: string | null;
}

/** Wawp's hosted API authenticates with query parameters; one instance is one WhatsApp number. */
export function createWawpClient(opts: WawpClientOptions): GatewayClient {
  const http = new HttpTarget(opts.url, opts);
  const lookups = new HttpTarget(opts.url, { ...opts, connections: LOOKUP_CONNECTIONS });
  const auth = { instance_id: opts.instanceId, access_token: opts.accessToken };
  return {
    async sendText(_session, chatId, message) {
      await http.request('POST', '/v2/send/text', { query: { ...auth, chatId, message } });
    },
    async rejectCall(_session, chatId, callId) {
      await http.request('POST', '/v2/calls/reject', { query: auth, json: { callId, from: chatId } });
    },
    async lookupName(_session, chatId, signal) {
      const c = (await lookups.request('GET', '/v2/contacts', {
        query: { ...auth, contactId: chatId },
        nullOn404: true,
        signal,
      })) as WawpContact | null;
      return c?.pushname || c?.name || null;
    },
    close: async () => {
      await Promise.all([http.close(), lookups.close()]);
    },
  };
}
