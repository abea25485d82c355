// Live call updates: the Server-Sent Events stream when the server has one, else polling.
import { api, getToken } from './api.js';

const POLL_MS = 2000;

/**
 * Keeps the page current until `stop()`. `onCall(call)` gets every changed call from the stream,
 * `onQueue(item)` every changed work-queue item; `poll()` is called every 2 s instead when the
 * server has no `/api/stream` (404).
 * `onState(state)` reports 'connecting', 'live', 'polling', 'reconnecting' or 'unauthorized'.
 */
export function startLive({ onCall, onQueue, poll, onState }) {
  let source = null;
  let timer = null;
  let stopped = false;

  // EventSource can't send the token as a header; a ticket good for a few minutes stands in for it.
  const url = async () => {
    if (!getToken()) return 'api/stream';
    const { ticket } = await api('api/stream/tickets', { method: 'POST' });
    return `api/stream?ticket=${encodeURIComponent(ticket)}`;
  };

  const startPolling = () => {
    onState('polling');
    const tick = async () => {
      try {
        await poll();
        onState('polling');
      } catch {
        // A refused token has been reported by the API module; anything else is worth retrying.
        if (!stopped) onState('reconnecting');
      } finally {
        if (!stopped) timer = setTimeout(tick, POLL_MS);
      }
    };
    tick();
  };

  // EventSource hides why a connection failed; one plain request tells a missing stream (404) or
  // a refused token (401) from a network hiccup, which EventSource retries by itself.
  const diagnose = async () => {
    const token = getToken();
    const controller = new AbortController();
    try {
      const res = await fetch('api/stream', {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal: controller.signal,
      });
      return res.status;
    } catch {
      return 0;
    } finally {
      controller.abort();
    }
  };

  const connect = async () => {
    onState('connecting');
    let streamUrl;
    try {
      streamUrl = await url();
    } catch (err) {
      // A refused token has been reported by the API module.
      if (stopped || err.status === 401) return;
      if (err.status === 404) return startPolling();
      onState('reconnecting');
      timer = setTimeout(connect, POLL_MS);
      return;
    }
    if (stopped) return;
    source = new EventSource(streamUrl);
    source.addEventListener('open', () => {
      onState('live');
      // The stream starts at "now": whatever changed since the list was loaded comes from one poll.
      poll().catch(() => {});
    });
    source.addEventListener('call', (e) => onCall(JSON.parse(e.data)));
    source.addEventListener('queue', (e) => onQueue(JSON.parse(e.data)));
    source.addEventListener('error', async () => {
      if (source.readyState !== EventSource.CLOSED) return onState('reconnecting');
      source = null;
      const status = await diagnose();
      if (stopped) return;
      if (status === 404) return startPolling();
      if (status === 401) return onState('unauthorized');
      onState('reconnecting');
      timer = setTimeout(connect, POLL_MS);
    });
  };

  connect();
  return {
    stop() {
      stopped = true;
      source?.close();
      clearTimeout(timer);
    },
  };
}
