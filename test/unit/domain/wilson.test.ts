import { describe, expect, it } from 'vitest';
import { wilson } from '../../../src/domain/wilson.js';

const rounded = (ci: [number, number] | null) => ci?.map((x) => Math.round(x * 10_000) / 10_000);

describe('the Wilson score interval at 95%', () => {
  it('matches published values', () => {
    // Worked by hand from the formula, and as R's prop.test(correct = FALSE) and statsmodels give them.
    expect(rounded(wilson(81, 263))).toEqual([0.2553, 0.3662]);
    expect(rounded(wilson(1, 10))).toEqual([0.0179, 0.4042]);
    expect(rounded(wilson(50, 100))).toEqual([0.4038, 0.5962]);
  });

  it('is not zero-width at no successes or all of them, and stays within [0, 1]', () => {
    expect(rounded(wilson(0, 10))).toEqual([0, 0.2775]);
    expect(rounded(wilson(10, 10))).toEqual([0.7225, 1]);
    expect(wilson(0, 1)![0]).toBe(0);
    expect(wilson(1, 1)![1]).toBe(1);
  });

  it('is symmetric: s of n successes mirror n - s of n', () => {
    const [lo, hi] = wilson(3, 17)!;
    const [mlo, mhi] = wilson(14, 17)!;
    expect(lo).toBeCloseTo(1 - mhi, 12);
    expect(hi).toBeCloseTo(1 - mlo, 12);
  });

  it('narrows as trials grow at the same rate, and always contains the rate', () => {
    const widths = [10, 100, 1000, 10_000].map((n) => {
      const [lo, hi] = wilson(n * 0.3, n)!;
      expect(lo).toBeLessThan(0.3);
      expect(hi).toBeGreaterThan(0.3);
      return hi - lo;
    });
    expect([...widths].sort((a, b) => b - a)).toEqual(widths);
  });

  it('gives no interval without trials', () => {
    expect(wilson(0, 0)).toBeNull();
  });

  it('refuses counts that are not a rate', () => {
    expect(() => wilson(3, 2)).toThrow(RangeError);
    expect(() => wilson(-1, 2)).toThrow(RangeError);
    expect(() => wilson(0.5, 2)).toThrow(RangeError);
  });
});
