import type { GatewayClient } from '../gateways/types.js';

interface Entry {
  name: Promise<string | null>;
  expiresAt: number;
  /** Set once the lookup has answered, so a cache hit needs neither a timer nor a promise race. */
  known?: string | null;
}

/**
 * Contact names, cached per (session, chat) for `ttl` and bounded to `maxEntries` (oldest out first).
 * A lookup slower than its budget is not cancelled: it goes on and fills the cache for next time.
 */
export class ContactNames {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttl: number,
    private readonly maxEntries = 50_000,
  ) {}

  /**
   * The caller's name, or null if unknown, failed, or not known within `budget` ms.
   * Cached per callbridge session: two gateways may both call their session "default".
   */
  async get(
    target: { session: string; sessionName: string; client: GatewayClient },
    chatId: string,
    budget: number,
  ): Promise<string | null> {
    const key = `${target.session}\u0000${chatId}`;
    const now = Date.now();
    let entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= now) {
      const name = target.client.lookupName(target.sessionName, chatId).catch(() => {
        // A failed lookup is not remembered: the next call may succeed.
        this.entries.delete(key);
        return null;
      });
      const fresh: Entry = { name, expiresAt: now + this.ttl };
      void name.then((n) => (fresh.known = n));
      entry = fresh;
      this.entries.delete(key);
      this.entries.set(key, entry);
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    if (entry.known !== undefined) return entry.known;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), budget);
    });
    try {
      return await Promise.race([entry.name, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
