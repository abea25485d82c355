import { HttpError, HttpTarget, LOOKUP_CONNECTIONS, type HttpTargetOptions } from '../../lib/http.js';
import { phoneOf } from '../../domain/jid.js';
import type { GatewayClient } from '../types.js';

export interface EvolutionClientOptions extends HttpTargetOptions {
  url: string;
  apiKey: string;
}

interface EvolutionContact {
  pushName?: string | null;
}

/** Evolution API v2. `session` is the instance name. */
export function createEvolutionClient(opts: EvolutionClientOptions): GatewayClient {
  const http = new HttpTarget(opts.url, opts);
  const lookups = new HttpTarget(opts.url, { ...opts, connections: LOOKUP_CONNECTIONS });
  const headers = { apikey: opts.apiKey };
  const instance = (session: string) => encodeURIComponent(session);
  return {
    async sendText(session, chatId, text) {
      // Evolution addresses a phone chat by its number; other chats (LIDs) by their id.
      await http.request('POST', `/message/sendText/${instance(session)}`, {
        json: { number: phoneOf(chatId) ?? chatId, text },
        headers,
      });
    },
    async rejectCall() {
      // The config refuses rejectCalls on Evolution sessions; this is the guard behind that check.
      throw new HttpError(
        'Evolution API has no endpoint to reject a call (use the instance setting rejectCall)',
        false,
      );
    },
    async lookupName(session, chatId, signal) {
      const found = (await lookups.request('POST', `/chat/findContacts/${instance(session)}`, {
        json: { where: { id: chatId } },
        headers,
        signal,
      })) as EvolutionContact[] | null;
      return (Array.isArray(found) ? found[0]?.pushName : null) || null;
    },
    close: async () => {
      await Promise.all([http.close(), lookups.close()]);
    },
  };
}
