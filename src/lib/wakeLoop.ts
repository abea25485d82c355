import type { Clock, ClockTimer } from './clock.js';

/**
 * Runs `tick` every `interval`, and early at any time asked for with `wake(at)`; a tick that
 * answers true (it took a full batch, so more is waiting) is followed by another at once.
 * One timer at a time, never two ticks at once: enough for "poll the database, but don't
 * make a 1s ring timeout wait for the next poll". Times are the clock's: a ring timeout is a
 * domain moment, so a manual clock in a test makes it fall due.
 */
export class WakeLoop {
  private timer: ClockTimer | null = null;
  private nextAt = Infinity;
  private running = false;
  private again = false;
  private stopped = true;
  private current: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: Clock,
    private readonly tick: () => Promise<boolean>,
    private readonly interval: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.wake(this.clock.now());
  }

  wake(at: number): void {
    if (!this.stopped) this.arm(at);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    await this.current;
  }

  private arm(at: number): void {
    if (at >= this.nextAt && this.timer) return;
    this.timer?.cancel();
    this.nextAt = at;
    this.timer = this.clock.at(at, () => this.run());
  }

  private run(): void {
    this.timer = null;
    this.nextAt = Infinity;
    if (this.stopped) return;
    // Falling due during a tick, this timer's tick follows that one rather than running beside it.
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    // The tick starts on the next microtask: a clock moved by hand has finished moving by then,
    // so the tick reads the time it was moved to, not the moment this timer was due.
    let began = 0;
    this.current = Promise.resolve()
      .then(() => {
        began = this.clock.now();
        return this.tick();
      })
      .catch((err: unknown) => {
        this.onError(err);
        return false;
      })
      .then((more) => {
        this.running = false;
        if (this.stopped) return;
        // The next poll is due `interval` after this one began, as with setInterval: a clock that
        // moved past that during the tick (a slow tick, or a test's advance) polls again at once.
        const at = this.again || more ? this.clock.now() : began + this.interval;
        this.again = false;
        this.arm(at);
      });
  }
}
