/**
 * Runs `tick` every `interval`, and early at any time asked for with `wake(at)`; a tick that
 * answers true (it took a full batch, so more is waiting) is followed by another at once.
 * One timer at a time, never two ticks at once: enough for "poll the database, but don't
 * make a 1s ring timeout wait for the next poll".
 */
export class WakeLoop {
  private timer: NodeJS.Timeout | null = null;
  private nextAt = Infinity;
  private running = false;
  private again = false;
  private stopped = true;
  private current: Promise<void> = Promise.resolve();

  constructor(
    private readonly tick: () => Promise<boolean>,
    private readonly interval: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.wake(Date.now());
  }

  wake(at: number): void {
    if (this.stopped) return;
    if (this.running) {
      if (at <= Date.now()) this.again = true;
      else this.arm(at);
      return;
    }
    this.arm(at);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  private arm(at: number): void {
    if (at >= this.nextAt && this.timer) return;
    if (this.timer) clearTimeout(this.timer);
    this.nextAt = at;
    this.timer = setTimeout(() => this.run(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private run(): void {
    this.timer = null;
    this.nextAt = Infinity;
    if (this.stopped) return;
    this.running = true;
    this.current = this.tick()
      .catch((err: unknown) => {
        this.onError(err);
        return false;
      })
      .then((more) => {
        this.running = false;
        if (this.stopped) return;
        const at = this.again || more ? Date.now() : Date.now() + this.interval;
        this.again = false;
        this.arm(at);
      });
  }
}
