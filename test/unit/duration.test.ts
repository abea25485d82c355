import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['0ms', 0],
    ['90s', 90_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['30d', 2_592_000_000],
    ['1.5s', 1_500],
    ['0.25m', 15_000],
    ['1.0005s', 1_001],
  ])('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    '',
    '2',
    'm',
    '2 m',
    ' 2m',
    '2m ',
    '-2m',
    '+2m',
    '2M',
    '2min',
    '.5s',
    '5.s',
    '1e3ms',
    '2m30s',
    '99999999999999999999d',
  ])('rejects %j', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [500, '500ms'],
    [1_500, '1500ms'],
    [90_000, '90s'],
    [120_000, '2m'],
    [3_600_000, '1h'],
    [5_400_000, '90m'],
    [2_592_000_000, '30d'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('is the inverse of parseDuration', () => {
    for (const ms of [0, 1, 999, 1_000, 61_000, 86_400_000, 86_400_001]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
