import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/** The worst a thread stalled since the last look: its event loop's delay, and its longest GC pause. */
export interface Stalls {
  loopMaxMs: number;
  loopP99Ms: number;
  gcMaxMs: number;
}

/**
 * Watches this thread (each thread has its own loop and heap, so the writer thread runs one too).
 * `take` returns the worst since the previous `take` and starts over, as a scrape would want.
 */
export function watchStalls(): { take(): Stalls; stop(): void } {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let gcMaxMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.duration > gcMaxMs) gcMaxMs = e.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  return {
    take() {
      // The histogram is in ns, and counts the 10 ms resolution itself: what is over it is the stall.
      const over = (ns: number) => Math.max(0, ns / 1e6 - 10);
      const out = { loopMaxMs: over(loop.max), loopP99Ms: over(loop.percentile(99)), gcMaxMs };
      loop.reset();
      gcMaxMs = 0;
      return out;
    },
    stop() {
      loop.disable();
      gc.disconnect();
    },
  };
}
