/**
 * Exponential backoff with full jitter over the upper half: attempt 1 waits about `initial`,
 * each next one twice as long, capped at `max`. A server's Retry-After wins when it asks for longer.
 */
export function retryDelay(
  attempt: number,
  opts: { initial: number; max: number },
  retryAfterMs: number | null,
  random = Math.random,
): number {
  const exp = Math.min(opts.max, opts.initial * 2 ** Math.max(0, attempt - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  // Whole milliseconds: the retry time is stored in a bigint column, which PostgreSQL keeps exact.
  return Math.round(retryAfterMs === null ? jittered : Math.min(opts.max, Math.max(jittered, retryAfterMs)));
}
