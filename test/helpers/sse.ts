import { waitFor } from './harness.js';

export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

export interface SseClient {
  status: number;
  /** Dispatched events, in order. */
  events: SseEvent[];
  /** The last `id:` received, with or without data: what EventSource would send as Last-Event-ID. */
  lastEventId: string | undefined;
  comments: string[];
  /** The server ended the stream (not `close()`). */
  ended: boolean;
  /** The calls received, parsed. */
  calls(): Array<{ id: number; callId: string; status: string; redirect: { status: string } }>;
  waitFor<T>(what: string, check: (c: SseClient) => T, timeoutMs?: number): Promise<NonNullable<T>>;
  close(): void;
}

/** A minimal EventSource over fetch (which, unlike EventSource, can send headers). */
export async function openStream(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const client: SseClient = {
    status: res.status,
    events: [],
    lastEventId: undefined,
    comments: [],
    ended: false,
    calls: () =>
      client.events
        .filter((e) => e.event === 'call')
        .map((e) => JSON.parse(e.data) as ReturnType<SseClient['calls']>[number]),
    waitFor: (what, check, timeoutMs = 5000) => waitFor(what, () => check(client), timeoutMs),
    close: () => abort.abort(),
  };
  if (res.status !== 200 || !res.body) return client;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    let id: string | undefined;
    let event: string | undefined;
    let data: string[] = [];
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line === '') {
            if (id !== undefined) client.lastEventId = id;
            if (data.length > 0) client.events.push({ id, event, data: data.join('\n') });
            id = event = undefined;
            data = [];
          } else if (line.startsWith(':')) client.comments.push(line.slice(1).trim());
          else {
            const [field, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (field === 'id') id = value;
            else if (field === 'event') event = value;
            else if (field === 'data') data.push(value);
          }
        }
      }
      client.ended = true;
    } catch {
      // aborted by close()
    }
  })();
  return client;
}
