/** The domain vocabulary. Pure data: no I/O, no clock. Times are epoch milliseconds. */

import type { BusinessHours } from './hours.js';

export type { BusinessHours };

export type CallStatus = 'ringing' | 'answered' | 'rejected' | 'missed';

export type FrustrationLevel = 'calm' | 'elevated' | 'stressed';

/** What a gateway webhook (or a timer that fell due, or the outbox) means, once parsed. */
export type CallEvent =
  | {
      type: 'call.ringing';
      callId: string;
      /** The caller's chat id (`2222@c.us` or `1551@lid`); null when the gateway did not say. */
      caller: string | null;
      isVideo: boolean;
      isGroup: boolean;
      fromMe: boolean;
    }
  | { type: 'call.answered'; callId: string; caller: string | null }
  | { type: 'call.rejected'; callId: string; caller: string | null }
  /** The ring timeout timer fell due. */
  | { type: 'call.timeout'; callId: string }
  /** The outbox delivered the call's redirect. */
  | { type: 'redirect.sent'; callId: string; name?: string | null }
  /** A chat message from a caller (never the business's own). */
  | { type: 'message.received'; messageId: string; caller: string; text: string }
  /** The follow-up timer of a redirected call fell due. */
  | { type: 'followUp.due'; callId: string }
  /** A message the business sent to `caller`: typed by a person (phone, WhatsApp Web), or through the gateway's API. */
  | { type: 'message.sent'; messageId: string; caller: string; byPerson: boolean };

export interface Call {
  session: string;
  callId: string;
  caller: string | null;
  isVideo: boolean;
  isGroup: boolean;
  fromMe: boolean;
  isVip: boolean;
  status: CallStatus;
  /** The caller's frustration level when the call came in. */
  level: FrustrationLevel | null;
  receivedAt: number;
  endedAt: number | null;
  /** Why no redirect was attempted for this call, when none was. */
  redirectSkipped: RedirectSkipReason | null;
  /** When the redirect reached the gateway. */
  redirectedAt: number | null;
  /** When the caller first wrote after the redirect (within the conversion window). */
  convertedAt: number | null;
  /** The name the caller is greeted with, once known (VIP list, CRM, the gateway's contact). */
  name: string | null;
  /** Whether the session was outside its business hours when the call rang. */
  closed: boolean;
  /** The caller's language, which chose the texts. */
  language: string | null;
  /** The config key of the redirect's text (`voice`, `closed.video`, `group`...) and its variant, when one was decided. */
  template: string | null;
  variant: { index: number; id: string } | null;
  /** The message that converted the call. */
  reply: string | null;
}

export type RedirectSkipReason =
  'disabled' | 'debounced' | 'group' | 'from_me' | 'no_caller' | 'late' | 'vip' | 'opted_out';

/** What the policy remembers about a caller on one session. `version` guards concurrent writers. */
export interface CallerState {
  version: number;
  lastCallAt: number | null;
  /** When a redirect was last decided (the debounce clock). */
  lastRedirectAt: number | null;
  lastRedirectedCallId: string | null;
  /** When `caller.stressed` last fired. */
  stressedAt: number | null;
  /** Until then, the caller's next text is escalated to a person. */
  escalateUntil: number | null;
  welcomedAt: number | null;
  /** The name the business last greeted them by; read here, written when a text is delivered, never by a decision. */
  name: string | null;
}

/** What the user's CRM (or the VIP list) says about a caller. */
export interface CallerProfile {
  name?: string | null | undefined;
  vip?: boolean | undefined;
  tier?: string | null | undefined;
  tags?: string[] | undefined;
}

/**
 * The placeholders a message to a caller may use (`{{name}}`), filled when it is sent. A template
 * that needs more (a closed-hours text's opening time) declares its own set at its config key.
 */
export const MESSAGE_PLACEHOLDERS = ['name', 'session', 'number'] as const;
/** What a text sent outside business hours may also say: when the session opens again. */
export const BUSINESS_HOURS_PLACEHOLDERS = ['opensAt'] as const;

/** One wording of a text; `id` is the first 8 hex of the SHA-256 of `text`, stable while the text is. */
export interface Variant {
  text: string;
  weight: number;
  id: string;
}

/** A text's variants by language; `*` when it is written once for every language. */
export type MessageTemplate = Readonly<Record<string, readonly Variant[]>>;

export interface RedirectSettings {
  enabled: boolean;
  debounce: number;
  expireAfter: number;
  voice: MessageTemplate;
  video: MessageTemplate;
  repeat: MessageTemplate;
  repeatStressed: MessageTemplate;
  repeatWithin: number;
  /** The text to a group that called, when `groupCalls.action` is `redirect`. */
  group: MessageTemplate;
  /** Outside business hours; a missing one falls back to the open text. */
  closed: { voice: MessageTemplate | null; video: MessageTemplate | null };
}

/** Alert kinds a session routes to channels. */
export const ALERT_KINDS = [
  'received',
  'redirected',
  'answered',
  'rejected',
  'missed',
  'vip',
  'stressed',
  'escalated',
  'group',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export type AlertChannel = 'slack' | 'webhook' | 'chatwoot';

export interface SessionSettings {
  session: string;
  ringTimeout: number;
  rejectCalls: boolean;
  redirect: RedirectSettings;
  /** VIPs of the config file, and the names it gives some of them. */
  vip: { numbers: ReadonlySet<string>; names: Readonly<Record<string, string>>; bypassRedirect: boolean };
  frustration: { window: number; elevated: number; stressed: number; escalateFor: number };
  conversionWindow: number;
  welcome: { enabled: boolean; text: MessageTemplate; every: number };
  /** Null: always open. */
  hours: BusinessHours | null;
  languages: { default: string; byCountry: Readonly<Record<string, string>> };
  followUp: { enabled: boolean; after: number; text: MessageTemplate; whenClosed: 'wait' | 'skip' | 'send' };
  /** Keywords as `optOutKeyword` compares them (see domain/optOut.ts). */
  optOut: {
    keywords: ReadonlySet<string>;
    resume: ReadonlySet<string>;
    confirm: MessageTemplate;
    resumed: MessageTemplate;
  };
  groupCalls: { action: 'ignore' | 'redirect' | 'alert' };
  /** Per channel, the kinds it gets; a channel that is not configured gets none. */
  alerts: Record<AlertChannel, ReadonlySet<AlertKind>>;
  /** How long an alert may wait for a channel that is down before it is given up as expired. */
  alertExpireAfter: number;
}

/** The event types of the CRM stream (and the subjects of Slack alerts). */
export type AlertType =
  | 'call.received'
  | 'call.redirected'
  | 'call.answered'
  | 'call.rejected'
  | 'call.missed'
  | 'call.vip'
  | 'caller.stressed'
  | 'chat.escalated'
  | 'call.group';

export interface AlertData {
  session: string;
  callId: string | null;
  caller: string | null;
  /** The phone number, when the chat id carries one. */
  number: string | null;
  name: string | null;
  isVideo: boolean | null;
  status: CallStatus | null;
  vip: boolean;
  level: FrustrationLevel | null;
  callsInWindow: number | null;
  /** Why this fired, in words an agent reads. */
  reason: string;
  priority: 'P1' | null;
  message: { id: string; text: string } | null;
  profile: { tier: string | null; tags: string[] } | null;
}

export interface TextPayload {
  chatId: string;
  template: string;
  /** A name already known when deciding (VIP list, CRM); else the dispatcher looks one up. */
  name: string | null;
  /** Placeholders filled when deciding (`opensAt`), besides those every text gets when it is sent. */
  vars?: Record<string, string>;
}

/** A side effect to run after commit. `key` makes it idempotent: one row per key, ever. */
export type ActionSpec =
  | { kind: 'sendRedirect'; key: string; expiresAt: number; payload: TextPayload & { isVideo: boolean } }
  | { kind: 'sendWelcome'; key: string; expiresAt: number; payload: TextPayload }
  | { kind: 'sendFollowUp'; key: string; expiresAt: number; payload: TextPayload }
  /** The reply to an opt-out or resume keyword. */
  | { kind: 'sendOptOut'; key: string; expiresAt: number; payload: TextPayload }
  | { kind: 'rejectCall'; key: string; expiresAt: number; payload: { chatId: string; callId: string } }
  | {
      kind: 'alert';
      key: string;
      expiresAt: number;
      payload: { channel: AlertChannel; type: AlertType; at: number; data: AlertData };
    };

const TEXT_KINDS: ReadonlySet<ActionSpec['kind']> = new Set([
  'sendRedirect',
  'sendWelcome',
  'sendFollowUp',
  'sendOptOut',
]);

/**
 * A text to a person: the kind never sent twice when in doubt. A reject (idempotent at the
 * gateway) and an alert (receivers dedupe by its key) are tried again instead.
 */
export const isText = (kind: ActionSpec['kind']): boolean => TEXT_KINDS.has(kind);

export interface TimerSpec {
  key: string;
  kind: 'ringTimeout' | 'followUp';
  dueAt: number;
  callId: string;
}

/** Everything a decision changes; applied in one transaction by the store, or not at all. */
export interface Decision {
  /** The call row as it must be after this event; null leaves it untouched. */
  call: Call | null;
  /** New caller state; applied only if the stored state is still the one decided on. */
  caller: CallerState | null;
  actions: ActionSpec[];
  timers: TimerSpec[];
  cancelTimers: string[];
  /** The caller's opt-out: set at a moment, or cleared; null leaves it as it is. */
  optOut: { at: number } | 'clear' | null;
}
