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
  me: z.object({ id: z.string().optional(), lid: z.string().optional() }).loose().nullish(),
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

/** Message payloads: only what the escalation, welcome, conversion and work queue rules read. */
const messagePayload = z.object({
  id: idField,
  from: z.string().min(1),
  to: z.string().nullish(),
  fromMe: z.boolean().nullish(),
  /** Of an own message: `app` typed by a person (the phone, WhatsApp Web), `api` sent through WAHA. */
  source: z.string().nullish(),
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
    if (p.fromMe) return ownMessage(p);
    const from = readChat(p.from, 'payload.from');
    if ('problem' in from) return { ...base, event: null, invalidCaller: from.problem };
    // Group chatter neither.
    if (from.isGroup) return { ...base, event: null };
    const text = p.body || (p.hasMedia ? '[media]' : '');
    return { ...base, event: { type: 'message.received', messageId: p.id, caller: from.chatId, text } };
  };
  /**
   * The business wrote: to whom, and whether a person typed it. Engines differ on which field names
   * the chat: WEBJS puts the business in `from` and the chat in `to`, NOWEB and GOWS the chat in
   * `from`; the chat is whichever is not the business. Unknown without `me`, so then not acted on.
   * Only `source: "app"` is a person: callbridge's own texts say `api`, and no source proves nothing.
   */
  const ownMessage = (p: z.infer<typeof messagePayload>): ParsedWebhook => {
    const me = env.me;
    const isMe = (id: string) => (me?.id !== undefined && sameUser(id, me.id)) || id === me?.lid;
    const other = me?.id === undefined ? undefined : [p.from, p.to].find((id) => id && !isMe(id));
    const chat = other ? readChat(other, 'payload.to') : null;
    // A group, a broadcast list or a status update is nobody's work item.
    if (chat === null || 'problem' in chat || chat.isGroup) return { ...base, event: null };
    return {
      ...base,
      event: { type: 'message.sent', messageId: p.id, caller: chat.chatId, byPerson: p.source === 'app' },
    };
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
