/**
 * At most `max` tasks at once; the rest wait their turn in order. Shared by everything that
 * talks to one gateway, so work queues here, where it can still be expired or skipped, rather
 * than as requests inside the connection pool.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so `running` only drops when none waits.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
