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
 * Enriches the event, then commits it (`commit` resolves once what it decided is dispatched).
 * `commit` asks `hold` whether a gateway connection is held for the event's text, as late as it
 * can: a connection held is one no other send can use meanwhile. Asked again (a job run twice),
 * it answers the same. A text with its connection held goes on the wire marked by its own commit;
 * without one, it waits its turn and is marked when it starts.
 */
export async function ingestWith(
  hooks: IngestHooks,
  e: IncomingEvent,
  commit: (e: IncomingEvent, hold: () => boolean) => Promise<Committed>,
): Promise<Committed> {
  const enriched = hooks.enrich ? await hooks.enrich(e) : e;
  let release: (() => void) | null | undefined;
  const hold = () => {
    if (release === undefined) {
      const session = enriched.session?.session;
      release = session !== undefined && hooks.holdConnection ? hooks.holdConnection(session) : null;
    }
    return release !== null;
  };
  try {
    return await commit(enriched, hold);
  } finally {
    release?.();
  }
}
