/** Latency summary in ms: nearest-rank percentiles over every sample, no interpolation. */
export interface Latency {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarise(samples: number[]): Latency {
  if (samples.length === 0) return { n: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const s = Float64Array.from(samples).sort();
  const at = (q: number) => round(s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!);
  return { n: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(s[s.length - 1]!) };
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Wall-clock ms comparable across processes on one machine. */
export const now = () => performance.timeOrigin + performance.now();
