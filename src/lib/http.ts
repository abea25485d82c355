import { Pool } from 'undici';

/** A failed request. `retryable` follows HTTP: network errors, timeouts, 408, 429 and 5xx are worth another try. */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly statusCode: number | null = null,
    /** The server's `Retry-After` as sent; `retryAfterMs` reads it against a moment. */
    readonly retryAfter: string | null = null,
  ) {
    super(message);
  }
}

/**
 * Connections a gateway client keeps for contact lookups, apart from its sends: lookups that hang
 * can hold these, never the ones a redirect needs.
 */
export const LOOKUP_CONNECTIONS = 4;

export interface HttpTargetOptions {
  connections: number;
  timeout: number;
  /** Names the target in errors instead of its path, for URLs whose path is a credential (Slack's). */
  label?: string;
}

/**
 * A keep-alive connection pool to one HTTP service (a gateway, Slack, a CRM). The pool caps concurrency at `connections` and
 * queues the rest; its header/body timeouts replace per-request abort timers.
 */
export class HttpTarget {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly label: string | undefined;

  constructor(url: string, opts: HttpTargetOptions) {
    const u = new URL(url);
    this.basePath = u.pathname.replace(/\/$/, '');
    this.label = opts.label;
    this.pool = new Pool(u.origin, {
      connections: opts.connections,
      headersTimeout: opts.timeout,
      bodyTimeout: opts.timeout,
      connectTimeout: opts.timeout,
      keepAliveTimeout: 30_000,
    });
  }

  /**
   * Sends a request and returns the parsed JSON answer (null when empty, or on a 404 with
   * `nullOn404`: for lookups, "there is no such thing" is an answer, not a failure).
   * Errors name the method and path (or the label) only: query strings may carry credentials.
   */
  async request(
    method: 'GET' | 'POST',
    path: string,
    opts: {
      query?: Record<string, string>;
      json?: unknown;
      body?: string;
      headers?: Record<string, string>;
      nullOn404?: boolean;
      /** Aborting frees the connection at once (or takes the request out of the queue). */
      signal?: AbortSignal;
    } = {},
  ): Promise<unknown> {
    const qs = opts.query ? `?${new URLSearchParams(opts.query).toString()}` : '';
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] = 'application/json';
    }
    const what = this.label ?? `${method} ${this.basePath}${path}`;
    let res;
    try {
      res = await this.pool.request({ method, path: this.basePath + path + qs, headers, body, signal: opts.signal });
    } catch (err) {
      throw new HttpError(`${what}: ${(err as Error).message}`, true);
    }
    const text = await res.body.text().catch(() => '');
    const status = res.statusCode;
    if (status >= 200 && status < 300) return text ? safeJson(text) : null;
    if (status === 404 && opts.nullOn404) return null;
    const retryable = status === 429 || status >= 500 || status === 408;
    const retryAfter = res.headers['retry-after'];
    throw new HttpError(
      `${what}: HTTP ${status}`,
      retryable,
      status,
      (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null,
    );
  }

  /** Called after the outbox has drained: what is still open is a lookup nobody waits for any more. */
  close(): Promise<void> {
    return this.pool.destroy();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * How long a `Retry-After` (seconds, or an HTTP date) asks to wait from `now`, in ms; null when
 * there is none or it can't be read. A date is read against the caller's clock, not the machine's.
 */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
