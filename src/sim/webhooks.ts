import { createHmac, randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../lib/clock.js';

export const WAHA_VERSION = '2026.7.1';

const DEFAULT_ME = { id: '11111111111@c.us', lid: '123@lid', pushName: 'Instance' };
// Crockford base32, the ULID alphabet WAHA's event ids use.
const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';

export interface EnvelopeOptions {
  session?: string;
  /** Envelope id; `evt_<26 base32 chars>` when omitted. */
  id?: string;
  /** The session's own account; `null` leaves it out, as before authentication. */
  me?: object | null;
  engine?: string;
  /** Stamps the envelope and payload; the machine's by default. */
  clock?: Clock;
}

export interface CallReceivedOptions extends EnvelopeOptions {
  callId?: string;
  from: string;
  isVideo?: boolean;
  isGroup?: boolean;
}

export interface CallClosedOptions extends EnvelopeOptions {
  callId: string;
  from?: string;
  isVideo?: boolean;
  isGroup?: boolean;
}

export interface MessageOptions extends EnvelopeOptions {
  /** The other party's chat id; with `fromMe` it becomes the recipient. */
  from: string;
  body: string;
  fromMe?: boolean;
  /** Of an own message: `app` (typed on the phone or WhatsApp Web, the default) or `api`. */
  source?: 'app' | 'api';
  messageId?: string;
}

export interface WawpCallReceivedOptions extends EnvelopeOptions {
  callId?: string;
  from: string;
  isVideo?: boolean;
}

export interface WawpCallClosedOptions extends EnvelopeOptions {
  callId: string;
}

export interface PostWebhookOptions {
  hmacKey?: string;
  /** Sent last, so they can override the defaults (e.g. a wrong HMAC). */
  headers?: Record<string, string>;
  /** Stamps X-Webhook-Timestamp; the machine's by default. */
  clock?: Clock;
}

export interface PostWebhookResult {
  status: number;
  headers: Headers;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  text: string;
}

function base32(n: number): string {
  let s = '';
  // 256 is a multiple of 32, so masking keeps every character equally likely.
  for (const b of randomBytes(n)) s += BASE32.charAt(b & 31);
  return s;
}

export function eventId(): string {
  return `evt_${base32(26)}`;
}

function callId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

function nowSeconds(clock: Clock = systemClock): number {
  return Math.floor(clock.now() / 1000);
}

function envelope(flavor: 'waha' | 'wawp', event: string, payload: object, opts: EnvelopeOptions): object {
  const me = opts.me === undefined ? DEFAULT_ME : opts.me;
  const common = {
    id: opts.id ?? eventId(),
    timestamp: (opts.clock ?? systemClock).now(),
  };
  const engine = opts.engine ?? 'WEBJS';
  const session = opts.session ?? 'default';
  // Key order follows the respective fixtures so captured and built bodies read alike.
  if (flavor === 'wawp') {
    return { ...common, session, metadata: {}, engine, event, payload, ...(me === null ? {} : { me }) };
  }
  return {
    ...common,
    event,
    session,
    metadata: {},
    ...(me === null ? {} : { me }),
    payload,
    environment: { tier: 'CORE', version: WAHA_VERSION },
    engine,
  };
}

export function wahaEnvelope(event: string, payload: object, opts: EnvelopeOptions = {}): object {
  return envelope('waha', event, payload, opts);
}

function callPayload(id: string, from: string | undefined, isVideo = false, isGroup = false, clock?: Clock): object {
  return { id, ...(from === undefined ? {} : { from }), timestamp: nowSeconds(clock), isVideo, isGroup, _data: {} };
}

export function callReceived(opts: CallReceivedOptions): object {
  return wahaEnvelope(
    'call.received',
    callPayload(opts.callId ?? callId(), opts.from, opts.isVideo, opts.isGroup, opts.clock),
    opts,
  );
}

export function callAccepted(opts: CallClosedOptions): object {
  const payload = callPayload(opts.callId, opts.from, opts.isVideo, opts.isGroup, opts.clock);
  // WEBJS never emits call.accepted, so default to an engine that does.
  return wahaEnvelope('call.accepted', payload, { ...opts, engine: opts.engine ?? 'NOWEB' });
}

export function callRejected(opts: CallClosedOptions): object {
  return wahaEnvelope(
    'call.rejected',
    callPayload(opts.callId, opts.from, opts.isVideo, opts.isGroup, opts.clock),
    opts,
  );
}

/**
 * `message` from the other party, or `message.any` for an own message (`fromMe`), as WAHA delivers
 * them. An own message names the chat in `to` on WEBJS (`from` is the business), in `from` on NOWEB and GOWS.
 */
export function messageReceived(opts: MessageOptions): object {
  const fromMe = opts.fromMe ?? false;
  const meId = DEFAULT_ME.id;
  const chatInFrom = !fromMe || (opts.engine ?? 'WEBJS') !== 'WEBJS';
  const payload = {
    id: opts.messageId ?? `${fromMe}_${opts.from}_${randomBytes(10).toString('hex').toUpperCase()}`,
    timestamp: nowSeconds(opts.clock),
    from: chatInFrom ? opts.from : meId,
    fromMe,
    source: opts.source ?? 'app',
    to: fromMe ? opts.from : meId,
    body: opts.body,
    hasMedia: false,
    ack: 1,
    ackName: 'SERVER',
    vCards: [],
    _data: {},
  };
  return wahaEnvelope(fromMe ? 'message.any' : 'message', payload, opts);
}

export function wawpCallReceived(opts: WawpCallReceivedOptions): object {
  const payload = { id: opts.callId ?? callId(), from: opts.from, isVideo: opts.isVideo ?? false };
  return envelope('wawp', 'call.received', payload, opts);
}

export function wawpCallAccepted(opts: WawpCallClosedOptions): object {
  return envelope('wawp', 'call.accepted', { id: opts.callId }, { ...opts, engine: opts.engine ?? 'GOWS' });
}

export function wawpCallRejected(opts: WawpCallClosedOptions): object {
  return envelope('wawp', 'call.rejected', { id: opts.callId }, opts);
}

/** Hex HMAC-SHA512 of the raw body, as WAHA puts in `X-Webhook-Hmac`. */
export function signWaha(body: string, hmacKey: string): string {
  return createHmac('sha512', hmacKey).update(body).digest('hex');
}

/** Delivers a webhook the way WAHA does (headers, optional signature) and returns the answer. */
export async function postWebhook(
  url: string,
  body: object | string,
  opts: PostWebhookOptions = {},
): Promise<PostWebhookResult> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Webhook-Request-Id': base32(26),
    'X-Webhook-Timestamp': String((opts.clock ?? systemClock).now()),
    'User-Agent': `WAHA/${WAHA_VERSION}`,
  };
  if (opts.hmacKey !== undefined) {
    headers['X-Webhook-Hmac'] = signWaha(raw, opts.hmacKey);
    headers['X-Webhook-Hmac-Algorithm'] = 'sha512';
  }
  const res = await fetch(url, { method: 'POST', headers: { ...headers, ...opts.headers }, body: raw });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export interface EvolutionCallOptions {
  instance?: string;
  callId: string;
  from: string;
  /** One of Baileys' call statuses: offer, ringing, preaccept, transport, timeout, reject, accept, terminate. */
  status: string;
  isVideo?: boolean;
  callerPn?: string;
  /** The instance's own number. */
  sender?: string;
  apikey?: string | null;
  clock?: Clock;
}

/** An Evolution API v2 `call` webhook, like test/fixtures/evolution. */
export function evolutionCall(opts: EvolutionCallOptions): object {
  const now = new Date((opts.clock ?? systemClock).now());
  return {
    event: 'call',
    instance: opts.instance ?? 'support-line',
    data: {
      chatId: opts.from,
      from: opts.from,
      ...(opts.callerPn ? { callerPn: opts.callerPn } : {}),
      id: opts.callId,
      date: now.toISOString(),
      isVideo: opts.isVideo ?? false,
      isGroup: false,
      status: opts.status,
      offline: false,
    },
    destination: 'http://127.0.0.1:3000/webhooks/evolution',
    date_time: now.toISOString(),
    sender: opts.sender ?? '5511888888888@s.whatsapp.net',
    server_url: 'http://127.0.0.1:8080',
    apikey: opts.apikey ?? null,
  };
}

/** An Evolution API v2 `messages.upsert` webhook for a text message. */
export function evolutionMessage(opts: {
  instance?: string;
  from: string;
  text: string;
  fromMe?: boolean;
  id?: string;
  clock?: Clock;
}): object {
  const now = (opts.clock ?? systemClock).now();
  return {
    event: 'messages.upsert',
    instance: opts.instance ?? 'support-line',
    data: {
      key: {
        remoteJid: opts.from,
        fromMe: opts.fromMe ?? false,
        id: opts.id ?? randomBytes(10).toString('hex').toUpperCase(),
      },
      pushName: 'Caller',
      message: { conversation: opts.text },
      messageType: 'conversation',
      messageTimestamp: Math.floor(now / 1000),
    },
    destination: 'http://127.0.0.1:3000/webhooks/evolution',
    date_time: new Date(now).toISOString(),
    sender: '5511888888888@s.whatsapp.net',
    server_url: 'http://127.0.0.1:8080',
    apikey: null,
  };
}
