import type { FrustrationLevel, SessionSettings } from './types.js';

type Frustration = SessionSettings['frustration'];

/** The "frustration quotient": calls in the sliding window, read against the session's thresholds. */
export function frustrationLevel(callsInWindow: number, f: Frustration): FrustrationLevel {
  if (callsInWindow >= f.stressed) return 'stressed';
  if (callsInWindow >= f.elevated) return 'elevated';
  return 'calm';
}

/** The sliding window at `now`: calls received at or after this moment count. */
export const windowStart = (f: Frustration, now: number): number => now - f.window;

/** The fewest calls in the window that put a caller at `level` (or above it). */
export function callsForLevel(level: FrustrationLevel, f: Frustration): number {
  if (level === 'stressed') return f.stressed;
  if (level === 'elevated') return f.elevated;
  return 0;
}
