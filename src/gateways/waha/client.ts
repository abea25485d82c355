import { parseChatId } from '../../domain/jid.js';
import { HttpTarget, LOOKUP_CONNECTIONS, type HttpTargetOptions } from '../../lib/http.js';
import type { GatewayClient } from '../types.js';

export interface WahaClientOptions extends HttpTargetOptions {
  url: string;
  apiKey?: string | undefined;
}

interface WahaContact {
  pushname?: string | null;
  name?: string | null;
}

export function createWahaClient(opts: WahaClientOptions): GatewayClient {
  const http = new HttpTarget(opts.url, opts);
  const lookups = new HttpTarget(opts.url, { ...opts, connections: LOOKUP_CONNECTIONS });
  const headers: Record<string, string> = opts.apiKey ? { 'x-api-key': opts.apiKey } : {};
  return {
    async sendText(session, chatId, text) {
      await http.request('POST', '/api/sendText', { json: { session, chatId, text }, headers });
    },
    async rejectCall(session, chatId, callId) {
      await http.request('POST', `/api/${encodeURIComponent(session)}/calls/reject`, {
        json: { from: chatId, id: callId },
        headers,
      });
    },
    async lookupName(session, chatId, signal) {
      const c = (await lookups.request('GET', '/api/contacts', {
        query: { contactId: chatId, session },
        headers,
        nullOn404: true,
        signal,
      })) as WahaContact | null;
      return c?.pushname || c?.name || null;
    },
    async resolveLid(session, lid, signal) {
      const r = (await lookups.request('GET', `/api/${encodeURIComponent(session)}/lids/${encodeURIComponent(lid)}`, {
        headers,
        nullOn404: true,
        signal,
      })) as {
        pn?: string | null;
      } | null;
      // The gateway's answer is input like a webhook's: only a valid phone chat replaces the LID.
      const pn = parseChatId(r?.pn);
      return pn?.endsWith('@c.us') ? pn : null;
    },
    close: async () => {
      await Promise.all([http.close(), lookups.close()]);
    },
  };
}
