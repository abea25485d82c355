import { createHash } from 'node:crypto';
import { z } from 'zod';
import { phoneOf } from '../../domain/jid.js';
import type { CallEvent } from '../../domain/types.js';
import { readChat } from '../caller.js';
import { idField, nameField, parseAt } from '../parse.js';
import type { ParsedWebhook } from '../types.js';
import { redactWebhookUrl } from '../webhookUrl.js';

/** Evolution API v2: `{ event, instance, data, sender, apikey, ... }`; no event id of its own. */
const envelope = z.object({
  event: nameField,
  instance: nameField,
  sender: z.string().nullish(),
  data: z.unknown(),
});

/** A Baileys call, posted once per status: offer, ringing, preaccept, transport, timeout, reject, accept, terminate. */
const call = z.object({
  id: idField,
  from: z.string().min(1),
  callerPn: z.string().nullish(),
  status: nameField,
  isVideo: z.boolean().nullish(),
  isGroup: z.boolean().nullish(),
});

const message = z.object({
  key: z.object({ id: idField, remoteJid: z.string().min(1), fromMe: z.boolean().nullish() }),
  message: z
    .object({
      conversation: z.string().nullish(),
      extendedTextMessage: z.object({ text: z.string().nullish() }).nullish(),
    })
    .nullish(),
});

/** Evolution spells event names either way (`call`, `CALL`, `messages.upsert`, `MESSAGES_UPSERT`). */
const eventName = (e: string) => e.toLowerCase().replace(/_/g, '.');

function callEvent(
  c: z.infer<typeof call>,
  from: { chatId: string; isGroup: boolean },
  sender: string | null | undefined,
): CallEvent | null {
  const caller = from.chatId;
  switch (c.status) {
    case 'offer':
    case 'ringing': {
      const fromMe = sender ? phoneOf(sender) !== null && phoneOf(sender) === phoneOf(caller) : false;
      return {
        type: 'call.ringing',
        callId: c.id,
        caller,
        isVideo: c.isVideo ?? false,
        isGroup: (c.isGroup ?? false) || from.isGroup,
        fromMe,
      };
    }
    case 'accept':
      return { type: 'call.answered', callId: c.id, caller };
    case 'reject':
      return { type: 'call.rejected', callId: c.id, caller };
    // The gateway's own word that nobody picked up, or that the caller hung up first: a missed call
    // (a no-op for a call already answered or rejected).
    case 'timeout':
    case 'terminate':
      return { type: 'call.timeout', callId: c.id };
    default:
      return null;
  }
}

/** Turns an Evolution webhook into a domain event. Throws InvalidWebhook naming the bad field. */
export function parseEvolutionWebhook(body: unknown): ParsedWebhook {
  const env = parseAt(envelope, body, '');
  const name = eventName(env.event);
  if (name === 'call') {
    const c = parseAt(call, env.data, 'data');
    // One webhook per status per call: the status is part of what makes a delivery a duplicate.
    const base = { eventId: `call:${c.id}:${c.status}`, type: `call.${c.status}`, session: env.instance };
    // A LID caller often comes with the phone number beside it; the number is the better address.
    const pn = c.callerPn ? phoneOf(c.callerPn) : null;
    const from = pn ? readChat(pn, 'data.callerPn') : readChat(c.from, 'data.from');
    if ('problem' in from) return { ...base, event: null, invalidCaller: from.problem };
    return { ...base, event: callEvent(c, from, env.sender) };
  }
  if (name === 'messages.upsert') {
    const m = parseAt(message, env.data, 'data');
    const base = { eventId: `message:${m.key.id}`, type: name, session: env.instance };
    const from = readChat(m.key.remoteJid, 'data.key.remoteJid');
    if (m.key.fromMe) {
      // Typed by a person: Evolution (Baileys with emitOwnEvents off) posts what is sent through its
      // API as `send.message`, never as `messages.upsert`; own messages here came from the phone or
      // WhatsApp Web. (Its own `msgCall` reply is the exception: callbridge answers calls instead.)
      if ('problem' in from || from.isGroup) return { ...base, event: null };
      return { ...base, event: { type: 'message.sent', messageId: m.key.id, caller: from.chatId, byPerson: true } };
    }
    if ('problem' in from) return { ...base, event: null, invalidCaller: from.problem };
    if (from.isGroup) return { ...base, event: null };
    const text = m.message?.conversation ?? m.message?.extendedTextMessage?.text ?? '';
    return { ...base, event: { type: 'message.received', messageId: m.key.id, caller: from.chatId, text } };
  }
  // Other events carry no id: their content is their identity, so a redelivery is still a duplicate.
  const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32);
  return { eventId: `${name}:${digest}`, type: name, session: env.instance, event: null };
}

/**
 * Evolution puts the instance's API key in every webhook body, and the URL it posts to
 * (`destination`), which holds callbridge's webhookToken when one is set: neither may be stored
 * or served.
 */
export function redactEvolutionBody(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const b = body as { apikey?: unknown; destination?: unknown };
  if (!('apikey' in b) && typeof b.destination !== 'string') return body;
  return {
    ...body,
    ...('apikey' in b ? { apikey: b.apikey == null ? b.apikey : '***' } : {}),
    ...(typeof b.destination === 'string' ? { destination: redactWebhookUrl(b.destination) } : {}),
  };
}
