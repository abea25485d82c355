/** Milliseconds per unit, largest first so `formatDuration` picks the biggest exact unit. */
const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

const UNIT_MS = new Map<string, number>(UNITS);
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Parses `500ms`, `90s`, `1.5m`, `1h`, `30d` into milliseconds, rounded to a whole millisecond
 * (timers and database columns want integers). Returns undefined for anything else, including
 * spaces, signs, a missing unit, or a value too large to be exact.
 */
export function parseDuration(s: string): number | undefined {
  const match = DURATION.exec(s);
  if (!match) return undefined;
  // The regex guarantees both groups and a known unit; the fallbacks only satisfy the type checker.
  const [, amount = '', unit = ''] = match;
  const ms = Math.round(Number(amount) * (UNIT_MS.get(unit) ?? Number.NaN));
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * Formats milliseconds in the largest unit that divides them exactly (`120000` → `2m`,
 * `90000` → `90s`), so `parseDuration(formatDuration(ms)) === ms` for any whole `ms` ≥ 0.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0ms';
  for (const [unit, size] of UNITS) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  // Only a fractional millisecond gets here (every whole number divides by 1ms).
  return `${ms}ms`;
}
