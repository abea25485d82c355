import type { CallEvent } from '../domain/types.js';

/** A webhook, parsed: which session it is about and what it means. `event` is null for events callbridge does not act on. */
export interface ParsedWebhook {
  eventId: string;
  /** The event name as the gateway spells it (`call.received`, `session.status`...). */
  type: string;
  /** The session name as the gateway spells it. */
  session: string;
  event: CallEvent | null;
  /** Why the caller is no WhatsApp chat (the event is then `null`: stored, never acted on). */
  invalidCaller?: string;
}

/** A webhook body that is well-formed JSON but not a valid event; `path` names the offending field. */
export class InvalidWebhook extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** Outbound calls to a gateway's REST API. `session` is the gateway's own session name. */
export interface GatewayClient {
  sendText(session: string, chatId: string, text: string): Promise<void>;
  rejectCall(session: string, chatId: string, callId: string): Promise<void>;
  /**
   * The name the contact shows (push name, else saved name), or null when the gateway knows none.
   * Lookups go through a small pool of their own, so one that hangs never holds a send's connection;
   * `signal` gives up on it (its budget ran out).
   */
  lookupName(session: string, chatId: string, signal?: AbortSignal): Promise<string | null>;
  /** The phone chat (`15550001111@c.us`) behind a `@lid` chat id; null when the gateway knows no valid one. */
  resolveLid?(session: string, lid: string, signal?: AbortSignal): Promise<string | null>;
  close(): Promise<void>;
}
