import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/lib/clock.js';
import { WakeLoop } from '../../../src/lib/wakeLoop.js';

/** Lets every pending promise callback run (the loop's ticks are microtasks on a manual clock). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('WakeLoop', () => {
  it('ticks again at once while a tick reports more work, then waits for the interval', async () => {
    const clock = new ManualClock(0);
    let ticks = 0;
    const loop = new WakeLoop(
      clock,
      async () => ++ticks < 5,
      60_000,
      () => {},
    );
    loop.start();
    await turn();
    expect(ticks).toBe(5);
    clock.advance('59s');
    await turn();
    expect(ticks).toBe(5);
    clock.advance('1s');
    await turn();
    expect(ticks).toBe(6);
    await loop.stop();
  });

  it('wakes early when asked, and survives a failing tick', async () => {
    const clock = new ManualClock(0);
    let ticks = 0;
    const errors: unknown[] = [];
    const loop = new WakeLoop(
      clock,
      async () => {
        ticks++;
        if (ticks === 1) throw new Error('boom');
        return false;
      },
      60_000,
      (e) => errors.push(e),
    );
    loop.start();
    await turn();
    expect([ticks, errors.length]).toEqual([1, 1]);
    loop.wake(clock.now() + 20);
    clock.advance(19);
    await turn();
    expect(ticks).toBe(1);
    clock.advance(1);
    await turn();
    expect(ticks).toBe(2);
    await loop.stop();
  });

  it('never runs two ticks at once: a wake for later, asked during a tick, runs after it', async () => {
    const clock = new ManualClock(0);
    let ticks = 0;
    let running = 0;
    let most = 0;
    let release = () => {};
    const loop = new WakeLoop(
      clock,
      async () => {
        ticks++;
        most = Math.max(most, ++running);
        if (ticks === 1) await new Promise<void>((resolve) => (release = resolve));
        running--;
        return false;
      },
      60_000,
      () => {},
    );
    loop.start();
    await turn();
    loop.wake(clock.now() + 1_000);
    clock.advance('1s');
    await turn();
    expect([ticks, most]).toEqual([1, 1]);
    release();
    await turn();
    expect([ticks, most]).toEqual([2, 1]);
    await loop.stop();
  });

  it('polls again at once when the clock passed the next poll during a tick', async () => {
    const clock = new ManualClock(0);
    let ticks = 0;
    let release = () => {};
    const loop = new WakeLoop(
      clock,
      async () => {
        if (++ticks === 1) await new Promise<void>((resolve) => (release = resolve));
        return false;
      },
      50,
      () => {},
    );
    loop.start();
    await turn();
    clock.advance('2s');
    release();
    await turn();
    expect(ticks).toBe(2);
    await loop.stop();
  });

  it('a tick reads the time the clock was moved to, not the moment its timer fell due', async () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    const loop = new WakeLoop(
      clock,
      async () => {
        seen.push(clock.now());
        return false;
      },
      50,
      () => {},
    );
    loop.start();
    await turn();
    // The 50 ms poll falls due on the way; its tick sees the 2 s the clock was moved to.
    clock.advance('2s');
    await turn();
    expect(seen).toEqual([0, 2_000]);
    await loop.stop();
  });

  it('arms nothing once stopped', async () => {
    const clock = new ManualClock(0);
    let ticks = 0;
    const loop = new WakeLoop(
      clock,
      async () => (ticks++, false),
      50,
      () => {},
    );
    loop.start();
    await turn();
    await loop.stop();
    loop.wake(clock.now());
    clock.advance('1s');
    await turn();
    expect([ticks, clock.timers]).toEqual([1, 0]);
  });
});
