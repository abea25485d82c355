import { describe, expect, it } from 'vitest';
import {
  comparePositions,
  FEED_START,
  formatPosition,
  parsePosition,
  POSITION_PATTERN,
} from '../../../src/store/feedPosition.js';

describe('feed positions', () => {
  it('is the id alone where tx is 0, as SQLite and earlier versions gave it; `<tx>-<id>` otherwise', () => {
    expect(formatPosition({ tx: 0, id: 42 })).toBe('42');
    expect(formatPosition(FEED_START)).toBe('0');
    expect(formatPosition({ tx: 7_301, id: 42 })).toBe('7301-42');
  });

  it('reads back what it wrote, and the numeric cursors of earlier versions as tx 0', () => {
    for (const p of [FEED_START, { tx: 0, id: 42 }, { tx: 7_301, id: 42 }, { tx: 999_999_999_999_999, id: 1 }])
      expect(parsePosition(formatPosition(p))).toEqual(p);
    expect(parsePosition('123456789012345')).toEqual({ tx: 0, id: 123_456_789_012_345 });
    expect(parsePosition('0-5')).toEqual({ tx: 0, id: 5 });
  });

  it('refuses what it could not have written, as the route schema does', () => {
    const malformed = [
      '',
      'abc',
      '-5',
      '5-',
      '1-2-3',
      '1.5',
      ' 5',
      '5 ',
      '+5',
      '1e3',
      '1234567890123456',
      '1-1234567890123456',
      '0x10',
    ];
    for (const text of malformed) {
      expect(parsePosition(text), text).toBeNull();
      expect(new RegExp(POSITION_PATTERN).test(text), text).toBe(false);
    }
  });

  it('orders by transaction, then by id', () => {
    const sorted = [
      { tx: 9, id: 1 },
      { tx: 0, id: 7 },
      { tx: 3, id: 5 },
      { tx: 3, id: 2 },
    ].sort(comparePositions);
    expect(sorted).toEqual([
      { tx: 0, id: 7 },
      { tx: 3, id: 2 },
      { tx: 3, id: 5 },
      { tx: 9, id: 1 },
    ]);
    expect(comparePositions({ tx: 3, id: 5 }, { tx: 3, id: 5 })).toBe(0);
  });
});
