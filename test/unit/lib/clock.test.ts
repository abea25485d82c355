import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../src/lib/clock.js';

describe('ManualClock', () => {
  it('fires timers in due order as time advances, each seeing its own moment', () => {
    const clock = new ManualClock(0);
    const seen: Array<[string, number]> = [];
    clock.at(2_000, () => seen.push(['b', clock.now()]));
    clock.at(1_000, () => seen.push(['a', clock.now()]));
    clock.at(5_000, () => seen.push(['c', clock.now()]));
    clock.advance('2s');
    expect(seen).toEqual([
      ['a', 1_000],
      ['b', 2_000],
    ]);
    expect(clock.now()).toBe(2_000);
    expect(clock.timers).toBe(1);
  });

  it('fires a timer armed by a firing timer when it falls inside the same advance', () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    clock.at(1_000, () => clock.at(1_500, () => seen.push(clock.now())));
    clock.advance(2_000);
    expect(seen).toEqual([1_500]);
  });

  it('never fires a cancelled timer, and refuses to go backwards or to parse junk', () => {
    const clock = new ManualClock('2026-12-01T00:00:00Z');
    let fired = false;
    clock.at(clock.now() + 10, () => (fired = true)).cancel();
    clock.advance('1m');
    expect(fired).toBe(false);
    expect(() => clock.set(0)).toThrow(/backwards/);
    expect(() => clock.advance('soon')).toThrow(/not a duration/);
  });

  it('fires a timer that is already due on the next turn', async () => {
    const clock = new ManualClock(10_000);
    let fired = false;
    clock.at(5_000, () => (fired = true));
    expect(fired).toBe(false);
    await Promise.resolve();
    expect(fired).toBe(true);
  });
});

describe('systemClock', () => {
  it('fires a timer once its moment has come', async () => {
    const fired = await new Promise<number>((resolve) =>
      systemClock.at(systemClock.now() + 5, () => resolve(systemClock.now())),
    );
    expect(fired).toBeGreaterThan(0);
  });
});
