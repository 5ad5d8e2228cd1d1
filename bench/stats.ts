/** Percentiles and summaries of latency samples. */

export interface Percentiles {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** Nearest-rank percentile: the smallest sample with at least p of the samples at or below it. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1];
}

export function percentiles(samples: readonly number[]): Percentiles {
  return { p50Ms: round(percentile(samples, 0.5)), p95Ms: round(percentile(samples, 0.95)), p99Ms: round(percentile(samples, 0.99)) };
}

export function median(samples: readonly number[]): number {
  return round(percentile(samples, 0.5));
}

/** Two decimals: enough for sub-millisecond figures, short in the JSON. */
export function round(value: number, decimals = 2): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
