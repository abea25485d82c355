import { Pool } from 'undici';
import { GatewayError } from './types.js';

export interface HttpTargetOptions {
  connections: number;
  timeout: number;
}

/**
 * A keep-alive connection pool to one gateway. The pool caps concurrency at `connections` and
 * queues the rest; its header/body timeouts replace per-request abort timers.
 */
export class HttpTarget {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(url: string, opts: HttpTargetOptions) {
    const u = new URL(url);
    this.basePath = u.pathname.replace(/\/$/, '');
    this.pool = new Pool(u.origin, {
      connections: opts.connections,
      headersTimeout: opts.timeout,
      bodyTimeout: opts.timeout,
      connectTimeout: opts.timeout,
      keepAliveTimeout: 30_000,
    });
  }

  /**
   * Sends a request and returns the parsed JSON answer (null when empty).
   * Errors name the method and path only: query strings may carry credentials.
   */
  async request(
    method: 'GET' | 'POST',
    path: string,
    opts: { query?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<unknown> {
    const qs = opts.query ? `?${new URLSearchParams(opts.query).toString()}` : '';
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    let body: string | undefined;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] = 'application/json';
    }
    const what = `${method} ${this.basePath}${path}`;
    let res;
    try {
      res = await this.pool.request({ method, path: this.basePath + path + qs, headers, body });
    } catch (err) {
      throw new GatewayError(`${what}: ${(err as Error).message}`, true);
    }
    const text = await res.body.text().catch(() => '');
    const status = res.statusCode;
    if (status >= 200 && status < 300) return text ? safeJson(text) : null;
    const retryable = status === 429 || status >= 500 || status === 408;
    throw new GatewayError(`${what}: HTTP ${status}`, retryable, status, retryAfterMs(res.headers['retry-after']));
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

/** `Retry-After` is either seconds or an HTTP date. */
function retryAfterMs(header: string | string[] | undefined): number | null {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return null;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}
