import { describe, expect, it } from 'vitest';
import { callsForLevel, frustrationLevel, windowStart } from '../../../src/domain/frustration.js';

const f = { window: 600_000, elevated: 3, stressed: 5, escalateFor: 1_800_000 };

describe('the frustration level', () => {
  it('is calm below the elevated threshold, elevated from it, stressed from the stressed one', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((n) => frustrationLevel(n, f))).toEqual([
      'calm',
      'calm',
      'calm',
      'elevated',
      'elevated',
      'stressed',
      'stressed',
    ]);
  });

  it('needs the fewest calls of each level to reach it, and one fewer to stay below', () => {
    for (const level of ['calm', 'elevated', 'stressed'] as const) {
      expect(frustrationLevel(callsForLevel(level, f), f)).toBe(level);
      if (level !== 'calm') expect(frustrationLevel(callsForLevel(level, f) - 1, f)).not.toBe(level);
    }
  });

  it('counts calls from the start of the sliding window on', () => {
    expect(windowStart(f, 1_000_000)).toBe(400_000);
  });
});
