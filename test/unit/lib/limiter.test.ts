import { describe, expect, it } from 'vitest';
import { Limiter } from '../../../src/lib/limiter.js';

describe('Limiter', () => {
  it('runs at most `max` tasks at once and the rest in order', async () => {
    const limit = new Limiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const release: Array<() => void> = [];
    const tasks = [0, 1, 2, 3, 4].map((i) =>
      limit.run(async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await new Promise<void>((r) => release.push(r));
        running--;
        return i;
      }),
    );
    while (order.length < 5) {
      await new Promise((r) => setImmediate(r));
      expect(running).toBeLessThanOrEqual(2);
      release.shift()?.();
    }
    release.forEach((r) => r());
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('frees the slot when a task fails', async () => {
    const limit = new Limiter(1);
    await expect(limit.run(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await limit.run(async () => 'next')).toBe('next');
  });

  it('promises only slots that are free and not promised already, and each release frees one once', async () => {
    const limit = new Limiter(8);
    const finish: Array<() => void> = [];
    const busy = Array.from({ length: 7 }, () => limit.run(() => new Promise<void>((r) => finish.push(r))));
    const first = limit.promise();
    expect(first).not.toBeNull();
    expect(limit.promise()).toBeNull();
    first!();
    first!();
    const second = limit.promise();
    expect(second).not.toBeNull();
    expect(limit.promise()).toBeNull();
    finish.shift()!();
    await busy[0];
    expect(limit.promise()).not.toBeNull();
    expect(limit.promise()).toBeNull();
    finish.forEach((f) => f());
    await Promise.all(busy);
  });

  it('keeps a promised slot from tasks without the promise, and gives it to them when released unused', async () => {
    const limit = new Limiter(1);
    const release = limit.promise()!;
    const order: string[] = [];
    const other = limit.run(async () => void order.push('other'));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    release();
    await other;
    expect(order).toEqual(['other']);

    const held = limit.promise()!;
    let finish!: () => void;
    const promised = limit.run(() => new Promise<void>((r) => (finish = r)), true);
    const queued = limit.run(async () => void order.push('queued'));
    held();
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['other']);
    finish();
    await Promise.all([promised, queued]);
    expect(order).toEqual(['other', 'queued']);
  });

  it('holds at most a quarter of its slots for promised tasks, one at least', () => {
    const big = new Limiter(16);
    const held = Array.from({ length: 5 }, () => big.promise());
    expect(held.map((r) => r !== null)).toEqual([true, true, true, true, false]);
    held[0]!();
    expect(big.promise()).not.toBeNull();
    const small = new Limiter(2);
    expect(small.promise()).not.toBeNull();
    expect(small.promise()).toBeNull();
  });
});
