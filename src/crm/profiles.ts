import { z } from 'zod';
import { phoneOf } from '../domain/jid.js';
import type { CallerProfile } from '../domain/types.js';
import { BudgetCache } from '../lib/budgetCache.js';
import type { Clock } from '../lib/clock.js';
import { HttpError, HttpTarget } from '../lib/http.js';

const answer = z.object({
  name: z.string().nullish(),
  vip: z.boolean().optional(),
  tier: z.string().nullish(),
  tags: z.array(z.string()).optional(),
});

export interface CrmProfileSource {
  get(session: string, caller: string): Promise<CallerProfile | null>;
}

/**
 * Asks the user's CRM who is calling: `GET <url>?number=<digits>&chatId=<jid>&session=<s>` →
 * `{ name?, vip?, tier?, tags? }` (404: unknown caller). Cached briefly; answers within `timeout`
 * or not at all, so it never holds a redirect back.
 */
export class CallerProfiles implements CrmProfileSource {
  private readonly http: HttpTarget;
  private readonly cache: BudgetCache<CallerProfile>;

  constructor(
    private readonly opts: { url: string; timeout: number; cacheTtl: number },
    clock: Clock,
  ) {
    // The cache aborts a request at the budget; the pool's timeout is only the backstop.
    this.http = new HttpTarget(opts.url, {
      connections: 8,
      timeout: Math.max(opts.timeout, 5000),
      label: 'CRM lookup',
    });
    this.cache = new BudgetCache(clock, opts.cacheTtl);
  }

  get(session: string, caller: string): Promise<CallerProfile | null> {
    return this.cache.get(
      `${session}\u0000${caller}`,
      (signal) => this.fetch(session, caller, signal),
      this.opts.timeout,
    );
  }

  private async fetch(session: string, caller: string, signal: AbortSignal): Promise<CallerProfile | null> {
    try {
      const body = await this.http.request('GET', '', {
        query: { number: phoneOf(caller) ?? '', chatId: caller, session },
        signal,
      });
      const parsed = answer.safeParse(body);
      return parsed.success ? parsed.data : null;
    } catch (err) {
      if (err instanceof HttpError && err.statusCode === 404) return null;
      throw err;
    }
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
