import { describe, expect, it } from 'vitest';
import { retryDelay } from '../../../src/dispatch/backoff.js';

describe('retry backoff', () => {
  const opts = { initial: 1000, max: 60_000 };
  it('doubles per attempt within jitter bounds', () => {
    expect(retryDelay(1, opts, null, () => 0)).toBe(500);
    expect(retryDelay(1, opts, null, () => 1)).toBe(1000);
    expect(retryDelay(3, opts, null, () => 1)).toBe(4000);
  });
  it('is capped', () => {
    expect(retryDelay(30, opts, null, () => 1)).toBe(60_000);
  });
  it('is a whole number of milliseconds (PostgreSQL stores it in a bigint)', () => {
    expect(retryDelay(2, { initial: 333, max: 60_000 }, null, () => 0.123456)).toBe(374);
    expect(retryDelay(1, opts, 1234.5, () => 0)).toBe(1235);
  });
  it('waits at least what Retry-After asks, up to the cap', () => {
    expect(retryDelay(1, opts, 5000, () => 1)).toBe(5000);
    expect(retryDelay(1, opts, 600_000, () => 1)).toBe(60_000);
  });
});
