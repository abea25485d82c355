/**
 * At most `max` tasks at once; the rest wait their turn in order. Shared by everything that
 * talks to one gateway, so work queues here, where it can still be expired or skipped, rather
 * than as requests inside the connection pool.
 */
export class Limiter {
  private running = 0;
  private promised = 0;
  private readonly waiting: Array<() => void> = [];
  /** At most a quarter of the slots are held at once (one at least), see `promise`. */
  private readonly maxPromised: number;

  constructor(readonly max: number) {
    this.maxPromised = Math.max(1, Math.floor(max / 4));
  }

  /**
   * Holds a slot for a task not yet handed to `run`, when one is free and not held already: what
   * its caller marks durably as started before it runs must not then wait its turn. Returns the
   * release, to call once the task is in `run` (or will not be), or null when no slot is free.
   * At most a quarter of the slots are held at once (one at least): a held slot runs nothing
   * until its task comes, and under load the tasks already waiting need the others.
   */
  promise(): (() => void) | null {
    if (this.running + this.promised >= this.max || this.promised >= this.maxPromised) return null;
    this.promised++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.promised--;
      this.wake();
    };
  }

  /** `promised`: the task holds a slot from `promise` and takes it without waiting behind the queue. */
  async run<T>(task: () => Promise<T>, promised = false): Promise<T> {
    const free = promised ? this.running < this.max : this.waiting.length === 0 && this.free();
    if (free) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      this.running--;
      this.wake();
    }
  }

  private free(): boolean {
    return this.running + this.promised < this.max;
  }

  /** Slots neither running nor held go to the waiting tasks, in order. */
  private wake(): void {
    while (this.waiting.length > 0 && this.free()) {
      this.running++;
      this.waiting.shift()!();
    }
  }
}
