import type { FrustrationLevel, SessionSettings } from './types.js';

/** The "frustration quotient": calls in the sliding window, read against the session's thresholds. */
export function frustrationLevel(callsInWindow: number, f: SessionSettings['frustration']): FrustrationLevel {
  if (callsInWindow >= f.stressed) return 'stressed';
  if (callsInWindow >= f.elevated) return 'elevated';
  return 'calm';
}
