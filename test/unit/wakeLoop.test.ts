import { describe, expect, it } from 'vitest';
import { WakeLoop } from '../../src/lib/wakeLoop.js';
import { waitFor } from '../helpers/harness.js';

describe('WakeLoop', () => {
  it('ticks again at once while a tick reports more work, then waits for the interval', async () => {
    let ticks = 0;
    const loop = new WakeLoop(
      async () => ++ticks < 5,
      60_000,
      () => {},
    );
    loop.start();
    await waitFor('five ticks', () => ticks === 5);
    await loop.stop();
    expect(ticks).toBe(5);
  });

  it('wakes early when asked, and survives a failing tick', async () => {
    let ticks = 0;
    const errors: unknown[] = [];
    const loop = new WakeLoop(
      async () => {
        ticks++;
        if (ticks === 1) throw new Error('boom');
        return false;
      },
      60_000,
      (e) => errors.push(e),
    );
    loop.start();
    await waitFor('the first tick', () => ticks === 1);
    loop.wake(Date.now() + 20);
    await waitFor('the early tick', () => ticks === 2);
    await loop.stop();
    expect(errors).toHaveLength(1);
  });
});
