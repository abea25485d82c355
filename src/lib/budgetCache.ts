import type { Clock } from './clock.js';

interface Entry<T> {
  /** The lookup while it runs; dropped once it has answered, to keep a remembered answer small. */
  value: Promise<T | null> | undefined;
  /** Resolves null when the lookup's budget runs out; dropped with `value`. */
  late: Promise<null> | undefined;
  expiresAt: number;
  /** Set once the lookup has answered, so a cache hit needs neither a timer nor a promise race. */
  known?: T | null;
}

/**
 * Remembers slow lookups (contact names, CRM profiles) for `ttl`, bounded to `maxEntries` (oldest
 * out first; an entry costs a few hundred bytes), and answers within a budget: when the budget runs
 * out the lookup's signal aborts and the caller moves on with null. A late answer is not waited for:
 * a peer that hangs would otherwise hold a pooled connection per lookup for its whole timeout. Like
 * a failure, an aborted lookup is not remembered. The TTL runs on the clock (what was learned is
 * this old); the budget is the peer's time, a real timer.
 */
export class BudgetCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly clock: Clock,
    private readonly ttl: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.entries.size;
  }

  /** A fresh answer already in hand, or undefined: a hit then costs no promise (see `get`). */
  known(key: string): T | null | undefined {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.expiresAt > this.clock.now() ? entry.known : undefined;
  }

  /** `ttl` overrides the cache's own, for caches shared by callers that each keep what they learn for a different time. */
  async get(
    key: string,
    load: (signal: AbortSignal) => Promise<T | null>,
    budget: number,
    ttl = this.ttl,
  ): Promise<T | null> {
    const now = this.clock.now();
    let entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= now) {
      // The budget of the caller that starts the lookup bounds it; callers that join it wait at most that long.
      // One timer per lookup, cleared with its answer: it aborts the lookup and frees its waiters.
      const controller = new AbortController();
      let runOut = () => {};
      const late = new Promise<null>((resolve) => (runOut = () => resolve(null)));
      const timer = setTimeout(() => {
        controller.abort();
        runOut();
      }, budget);
      const value = load(controller.signal).then(
        (v) => {
          clearTimeout(timer);
          fresh.known = v;
          fresh.value = fresh.late = undefined;
          return v;
        },
        () => {
          clearTimeout(timer);
          // A failure is not remembered: the next lookup may succeed.
          if (this.entries.get(key) === fresh) this.entries.delete(key);
          return null;
        },
      );
      const fresh: Entry<T> = { value, late, expiresAt: now + ttl };
      entry = fresh;
      this.entries.delete(key);
      this.dropExpired(now);
      this.entries.set(key, entry);
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    if (entry.known !== undefined) return entry.known;
    return Promise.race([entry.value!, entry.late!]);
  }

  /**
   * Entries are kept in the order they were looked up, so with one TTL the expired ones are the
   * oldest: dropped from the front, a cache holds the callers of the last `ttl`, not the last
   * `maxEntries` callers ever seen.
   */
  private dropExpired(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) return;
      this.entries.delete(key);
    }
  }
}
