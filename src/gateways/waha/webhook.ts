import { z } from 'zod';
import { normaliseChatId, phoneOf } from '../../domain/jid.js';
import type { CallEvent } from '../../domain/types.js';
import { parseAt } from '../parse.js';
import type { ParsedWebhook } from '../types.js';

/** The envelope WAHA (and Wawp, which shares it) wraps every event in. */
const envelope = z.object({
  id: z.string().min(1),
  event: z.string().min(1),
  session: z.string().min(1),
  me: z.object({ id: z.string().optional() }).loose().nullish(),
  payload: z.unknown(),
});

/** Call payloads. Wawp's accepted/rejected carry only the id, so everything else is optional. */
const callPayload = z.object({
  id: z.string().min(1),
  from: z.string().min(1).nullish(),
  isVideo: z.boolean().nullish(),
  isGroup: z.boolean().nullish(),
  fromMe: z.boolean().nullish(),
});

/** Message payloads: only what the escalation, welcome and conversion rules read. */
const messagePayload = z.object({
  id: z.string().min(1),
  from: z.string().min(1),
  fromMe: z.boolean().nullish(),
  body: z.string().nullish(),
  hasMedia: z.boolean().nullish(),
});

const sameUser = (a: string, b: string) => {
  const pa = phoneOf(a);
  return pa !== null ? pa === phoneOf(b) : a === b;
};

/** Turns a WAHA/Wawp webhook body into a domain event. Throws InvalidWebhook naming the bad field. */
export function parseWahaWebhook(body: unknown): ParsedWebhook {
  const env = parseAt(envelope, body, '');
  const base = { eventId: env.id, type: env.event, session: env.session };
  const call = (type: 'call.received' | 'call.accepted' | 'call.rejected'): CallEvent => {
    const p = parseAt(callPayload, env.payload, 'payload');
    const caller = p.from ? normaliseChatId(p.from) : null;
    if (type === 'call.received') {
      const me = env.me?.id;
      return {
        type: 'call.ringing',
        callId: p.id,
        caller,
        isVideo: p.isVideo ?? false,
        isGroup: p.isGroup ?? caller?.endsWith('@g.us') ?? false,
        fromMe: p.fromMe ?? (caller !== null && me !== undefined && sameUser(caller, me)),
      };
    }
    return { type: type === 'call.accepted' ? 'call.answered' : 'call.rejected', callId: p.id, caller };
  };
  const message = (): CallEvent | null => {
    const p = parseAt(messagePayload, env.payload, 'payload');
    const from = normaliseChatId(p.from);
    // The business's own messages and group chatter say nothing about a caller.
    if (p.fromMe || from.endsWith('@g.us')) return null;
    return { type: 'message.received', messageId: p.id, caller: from, text: p.body || (p.hasMedia ? '[media]' : '') };
  };
  switch (env.event) {
    case 'call.received':
    case 'call.accepted':
    case 'call.rejected':
      return { ...base, event: call(env.event) };
    // `message.any` repeats `message` for inbound texts; the rules key on the message id, so both are safe.
    case 'message':
    case 'message.any':
      return { ...base, event: message() };
    default:
      return { ...base, event: null };
  }
}
