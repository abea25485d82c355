import { parseDuration } from '../duration.js';

/** A timer armed on a clock; `cancel` is safe to call after it fired. */
export interface ClockTimer {
  cancel(): void;
}

/**
 * The one source of domain time: "now", and timers that fire at a moment of that time. Made once in
 * the composition root and passed down; tests pass a `ManualClock` and move time themselves.
 * Network budgets and socket timeouts are not domain time: they measure a peer, and stay real.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once `now()` has reached `at` (at once if it has already). */
  at(at: number, fn: () => void): ClockTimer;
}

/** The machine's clock. Its timers never keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  at(at, fn) {
    const timer = setTimeout(fn, Math.max(0, at - Date.now()));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when told (`advance('61s')`, `set(...)`). Timers that fall due fire in
 * order of their due time, each seeing `now()` at its own moment, so a test crosses a ring timeout,
 * midnight or a DST change without sleeping.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly pending = new Set<Pending>();

  constructor(start: number | string | Date = '2026-12-01T09:00:00Z') {
    this.current = typeof start === 'number' ? start : new Date(start).getTime();
  }

  now(): number {
    return this.current;
  }

  at(at: number, fn: () => void): ClockTimer {
    const p: Pending = { at, seq: this.seq++, fn };
    if (at <= this.current) {
      // Due already: fire on the next turn, as a real timer of 0 ms would.
      queueMicrotask(() => this.fire(p));
    }
    this.pending.add(p);
    return { cancel: () => this.pending.delete(p) };
  }

  /** Moves time forward by a duration (`'61s'`, `'2h'`) or milliseconds, firing what falls due. */
  advance(by: string | number): void {
    const ms = typeof by === 'number' ? by : parseDuration(by);
    if (ms === undefined || ms < 0) throw new Error(`ManualClock.advance: not a duration: ${String(by)}`);
    this.set(this.current + ms);
  }

  /** Moves time to `to` (never backwards), firing what falls due on the way. */
  set(to: number | string | Date): void {
    const target = typeof to === 'number' ? to : new Date(to).getTime();
    if (target < this.current) throw new Error('ManualClock.set: time does not go backwards');
    for (;;) {
      const next = [...this.pending].filter((p) => p.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.current = Math.max(this.current, next.at);
      this.fire(next);
    }
    this.current = target;
  }

  /** Timers armed and not yet fired. */
  get timers(): number {
    return this.pending.size;
  }

  private fire(p: Pending): void {
    if (!this.pending.delete(p)) return;
    p.fn();
  }
}
