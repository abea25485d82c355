import { describe, expect, it, vi } from 'vitest';
import { BudgetCache } from '../../../src/lib/budgetCache.js';
import { ManualClock } from '../../../src/lib/clock.js';

/** A lookup that answers when the test says so, counting how often it was asked. */
function lookup<T>() {
  let answer: (v: T | null) => void = () => {};
  let fail: (e: Error) => void = () => {};
  const l = {
    calls: 0,
    aborted: 0,
    load: (signal: AbortSignal) => {
      l.calls++;
      return new Promise<T | null>((resolve, reject) => {
        answer = resolve;
        fail = reject;
        signal.addEventListener('abort', () => {
          l.aborted++;
          reject(signal.reason as Error);
        });
      });
    },
    answer: (v: T | null) => answer(v),
    fail: (e: Error) => fail(e),
  };
  return l;
}

async function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const immediately = (v: string | null) => async () => v;

describe('BudgetCache', () => {
  it('says what it knows without a promise: nothing while the lookup runs, its answer (null too) within the TTL', async () => {
    const clock = new ManualClock(0);
    const cache = new BudgetCache<string>(clock, 60_000);
    const l = lookup<string>();
    expect(cache.known('k')).toBeUndefined();
    const first = cache.get('k', l.load, 1_000);
    expect(cache.known('k')).toBeUndefined();
    l.answer(null);
    expect(await first).toBeNull();
    expect(cache.known('k')).toBeNull();
    clock.advance(60_000);
    expect(cache.known('k')).toBeUndefined();
  });

  it('answers from the cache within the TTL, and asks again once it has passed on the clock', async () => {
    const clock = new ManualClock(0);
    const cache = new BudgetCache<string>(clock, 60_000);
    let calls = 0;
    const load = async () => `name ${++calls}`;
    expect(await cache.get('k', load, 1_000)).toBe('name 1');
    clock.advance(59_999);
    expect(await cache.get('k', load, 1_000)).toBe('name 1');
    clock.advance(1);
    expect(await cache.get('k', load, 1_000)).toBe('name 2');
    expect(calls).toBe(2);
  });

  it('answers null when the lookup outlives its budget, and aborts it: nothing is remembered', async () => {
    const cache = new BudgetCache<string>(new ManualClock(0), 60_000);
    const slow = lookup<string>();
    // A budget of 0: the lookup is still out when it runs out.
    expect(await cache.get('k', slow.load, 0)).toBeNull();
    await waitFor(() => slow.aborted === 1);
    expect(await cache.get('k', immediately('Ana'), 1_000)).toBe('Ana');
    expect(slow.calls).toBe(1);
  });

  it('a lookup that answers in time leaves no timer behind, and its signal is never aborted', async () => {
    vi.useFakeTimers();
    try {
      const cache = new BudgetCache<string>(new ManualClock(0), 60_000);
      let seen: AbortSignal | undefined;
      const answered = cache.get(
        'k',
        async (signal) => {
          seen = signal;
          return 'Ana';
        },
        1_000,
      );
      expect(await answered).toBe('Ana');
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(5_000);
      expect(seen!.aborted).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('remembers "nobody by that name" (null), but not a failure', async () => {
    const cache = new BudgetCache<string>(new ManualClock(0), 60_000);
    expect(await cache.get('none', immediately(null), 1_000)).toBeNull();
    expect(await cache.get('none', immediately('late'), 1_000)).toBeNull();

    const failing = lookup<string>();
    const first = cache.get('k', failing.load, 1_000);
    failing.fail(new Error('gateway down'));
    expect(await first).toBeNull();
    expect(await cache.get('k', immediately('Bob'), 1_000)).toBe('Bob');
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const cache = new BudgetCache<string>(new ManualClock(0), 60_000, 2);
    for (const k of ['a', 'b', 'c']) await cache.get(k, immediately(k), 1_000);
    expect(await cache.get('a', immediately('a again'), 1_000)).toBe('a again');
    expect(await cache.get('c', immediately('c again'), 1_000)).toBe('c');
  });

  it('drops expired entries as new lookups come, so it holds the last TTL of callers rather than maxEntries', async () => {
    const clock = new ManualClock(0);
    const cache = new BudgetCache<string>(clock, 60_000);
    for (const k of ['a', 'b', 'c']) await cache.get(k, immediately(k), 1_000);
    clock.advance(30_000);
    await cache.get('d', immediately('d'), 1_000);
    expect(cache.size).toBe(4);
    clock.advance(30_000);
    await cache.get('e', immediately('e'), 1_000);
    expect(cache.size).toBe(2);
    expect(cache.known('d')).toBe('d');
  });

  it('keeps an entry with a longer TTL of its own, and what expired before it is dropped once it expires', async () => {
    const clock = new ManualClock(0);
    const cache = new BudgetCache<string>(clock, 1_000);
    await cache.get('long', immediately('long'), 1_000, 10_000);
    await cache.get('short', immediately('short'), 1_000);
    clock.advance(5_000);
    await cache.get('next', immediately('next'), 1_000);
    expect(cache.known('long')).toBe('long');
    expect(cache.size).toBe(3);
    clock.advance(5_000);
    await cache.get('last', immediately('last'), 1_000);
    expect(cache.size).toBe(1);
  });
});
