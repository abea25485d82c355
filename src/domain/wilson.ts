/** z for a two-sided 95% interval: the 97.5th percentile of the standard normal. */
export const Z95 = 1.959964;

/**
 * The Wilson score interval of a success rate at 95%: unlike the normal approximation it stays
 * within [0, 1] and is not zero-width at 0 or n successes, which is where small variants sit.
 * No trials give no interval (null): nothing is known about the rate.
 */
export function wilson(successes: number, trials: number): [number, number] | null {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials)
    throw new RangeError(`wilson: need whole numbers 0 <= successes <= trials, got ${successes}/${trials}`);
  if (trials === 0) return null;
  const p = successes / trials;
  const z2 = Z95 * Z95;
  const scale = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / scale;
  const half = (Z95 / scale) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  // Rounding can carry the bounds a hair past 0 or 1 at 0 or n successes.
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
