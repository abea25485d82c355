import type { Committed, IncomingEvent } from './recordCallEvent.js';

/** What the HTTP thread does around a webhook's transaction. */
export interface IngestHooks {
  /** Learns about the caller before the transaction (LID → phone, CRM profile), within budgets. */
  enrich?: (e: IncomingEvent) => Promise<IncomingEvent>;
  /**
   * Holds a connection to the session's gateway for the text the event may decide, when one is
   * free: the release, called once what the event decided is dispatched, or null.
   */
  holdConnection?: (session: string) => (() => void) | null;
}

/**
 * Enriches the event, holds a gateway connection for its text when one is free, and commits it
 * (`commit` resolves once what it decided is dispatched). A text with its connection held goes on
 * the wire marked by its own commit; without one, it waits its turn and is marked when it starts.
 */
export async function ingestWith(
  hooks: IngestHooks,
  e: IncomingEvent,
  commit: (e: IncomingEvent) => Promise<Committed>,
): Promise<Committed> {
  const enriched = hooks.enrich ? await hooks.enrich(e) : e;
  const release = enriched.session && hooks.holdConnection ? hooks.holdConnection(enriched.session.session) : null;
  try {
    return await commit(release ? { ...enriched, connectionHeld: true } : enriched);
  } finally {
    release?.();
  }
}
