import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from '../../../src/gateways/parse.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** Depth as JSON.parse would build it: an object or array is one level more than what it holds. */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

describe('nestsDeeperThan', () => {
  it('counts objects and arrays, up to the limit and one past it', () => {
    expect(nestsDeeperThan(bytes(nested(64)), 64)).toBe(false);
    expect(nestsDeeperThan(bytes(nested(65)), 64)).toBe(true);
    expect(nestsDeeperThan(bytes('['.repeat(65) + ']'.repeat(65)), 64)).toBe(true);
    expect(nestsDeeperThan(bytes('[]'.repeat(10_000)), 1)).toBe(false);
    expect(nestsDeeperThan(bytes(nested(100_000)), 64)).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes and backslashes included', () => {
    expect(nestsDeeperThan(bytes(JSON.stringify({ a: '['.repeat(1000) })), 2)).toBe(false);
    expect(nestsDeeperThan(bytes(JSON.stringify({ a: `"${'{'.repeat(100)}` })), 2)).toBe(false);
    // A string ending in a backslash ends there: the brackets after it count.
    expect(nestsDeeperThan(bytes(`["\\\\",${'['.repeat(5)}${']'.repeat(5)}]`), 5)).toBe(true);
    expect(nestsDeeperThan(bytes(JSON.stringify({ '💥[': '💥{' })), 1)).toBe(false);
  });

  it('agrees with JSON.parse on any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 0, max: 12 }), (v, limit) => {
        const text = JSON.stringify(v);
        expect(nestsDeeperThan(bytes(text), limit)).toBe(depthOf(JSON.parse(text)) > limit);
      }),
      { seed: 64, numRuns: 2_000 },
    );
  });
});
