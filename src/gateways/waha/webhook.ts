import { z } from 'zod';
import { phoneOf } from '../../domain/jid.js';
import type { CallEvent } from '../../domain/types.js';
import { readChat } from '../caller.js';
import { idField, nameField, parseAt } from '../parse.js';
import type { ParsedWebhook } from '../types.js';

/** The envelope WAHA (and Wawp, which shares it) wraps every event in. */
const envelope = z.object({
  id: idField,
  event: nameField,
  session: nameField,
  me: z.object({ id: z.string().optional() }).loose().nullish(),
  payload: z.unknown(),
});

/** Call payloads. Wawp's accepted/rejected carry only the id, so everything else is optional. */
const callPayload = z.object({
  id: idField,
  from: z.string().min(1).nullish(),
  isVideo: z.boolean().nullish(),
  isGroup: z.boolean().nullish(),
  fromMe: z.boolean().nullish(),
});

/** Message payloads: only what the escalation, welcome and conversion rules read. */
const messagePayload = z.object({
  id: idField,
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
  const call = (type: 'call.received' | 'call.accepted' | 'call.rejected'): ParsedWebhook => {
    const p = parseAt(callPayload, env.payload, 'payload');
    const from = p.from ? readChat(p.from, 'payload.from') : null;
    if (from && 'problem' in from) return { ...base, event: null, invalidCaller: from.problem };
    const caller = from?.chatId ?? null;
    if (type === 'call.received') {
      const me = env.me?.id;
      const event: CallEvent = {
        type: 'call.ringing',
        callId: p.id,
        caller,
        isVideo: p.isVideo ?? false,
        // A group's chat id is a group call whatever the flag says: a redirect there reaches everyone in it.
        isGroup: (p.isGroup ?? false) || (from?.isGroup ?? false),
        fromMe: p.fromMe ?? (caller !== null && me !== undefined && sameUser(caller, me)),
      };
      return { ...base, event };
    }
    return {
      ...base,
      event: { type: type === 'call.accepted' ? 'call.answered' : 'call.rejected', callId: p.id, caller },
    };
  };
  const message = (): ParsedWebhook => {
    const p = parseAt(messagePayload, env.payload, 'payload');
    // The business's own messages say nothing about a caller.
    if (p.fromMe) return { ...base, event: null };
    const from = readChat(p.from, 'payload.from');
    if ('problem' in from) return { ...base, event: null, invalidCaller: from.problem };
    // Group chatter neither.
    if (from.isGroup) return { ...base, event: null };
    const text = p.body || (p.hasMedia ? '[media]' : '');
    return { ...base, event: { type: 'message.received', messageId: p.id, caller: from.chatId, text } };
  };
  switch (env.event) {
    case 'call.received':
    case 'call.accepted':
    case 'call.rejected':
      return call(env.event);
    // `message.any` repeats `message` for inbound texts; the rules key on the message id, so both are safe.
    case 'message':
    case 'message.any':
      return message();
    default:
      return { ...base, event: null };
  }
}
