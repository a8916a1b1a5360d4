// SPDX-License-Identifier: Apache-2.0
// Quantile estimation from cumulative histogram buckets, the same maths as PromQL's
// `histogram_quantile` (prometheus/prometheus promql/quantile.go, `bucketQuantile`).
import type { CumulativeBucket } from './types.js';

/**
 * Estimates the `q`-quantile (0..1) from cumulative buckets by linear interpolation inside the bucket
 * that holds the rank, as PromQL does. Returns `undefined` where PromQL returns NaN: no `+Inf`
 * bucket, fewer than two buckets, or no observations. As in PromQL:
 * - the lowest bucket interpolates from 0 when its bound is positive (E.g. le=100ms holding 10 of 10
 *   observations gives p50 = 50 ms);
 * - a rank that falls in the `+Inf` bucket returns the highest finite bound;
 * - counts that decrease with `le` (scrape races) are made monotone by carrying the running maximum.
 */
export function histogramQuantile(q: number, buckets: readonly CumulativeBucket[]): number | undefined {
  if (Number.isNaN(q)) return undefined;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const last = sorted[sorted.length - 1];
  if (sorted.length < 2 || last === undefined || last.le !== Infinity) return undefined;
  const counts = monotoneCounts(sorted);
  const total = counts[counts.length - 1] ?? 0;
  if (!(total > 0)) return undefined;
  const rank = q * total;
  const index = counts.findIndex((count) => count >= rank);
  const bucket = sorted[index];
  if (bucket === undefined) return undefined;
  if (bucket.le === Infinity) return sorted[sorted.length - 2]?.le;
  return interpolateInBucket({ sorted, counts, index, rank });
}

function interpolateInBucket(at: {
  sorted: readonly CumulativeBucket[];
  counts: readonly number[];
  index: number;
  rank: number;
}): number | undefined {
  const { sorted, counts, index, rank } = at;
  const bucket = sorted[index];
  if (bucket === undefined) return undefined;
  if (index === 0 && bucket.le <= 0) return bucket.le;
  const lowerBound = index === 0 ? 0 : (sorted[index - 1]?.le ?? 0);
  const lowerCount = index === 0 ? 0 : (counts[index - 1] ?? 0);
  const inBucket = (counts[index] ?? 0) - lowerCount;
  if (inBucket <= 0) return bucket.le;
  return lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket);
}

function monotoneCounts(sorted: readonly CumulativeBucket[]): number[] {
  let runningMax = 0;
  return sorted.map((bucket) => {
    runningMax = Math.max(runningMax, Number.isFinite(bucket.count) ? bucket.count : 0);
    return runningMax;
  });
}

/** The numeric value (0..1) of a named quantile. */
export function quantileFraction(name: 'p50' | 'p90' | 'p95' | 'p99'): number {
  return Number(name.slice(1)) / 100;
}

/**
 * The lower bound of the bucket the `q`-quantile falls in: the least the quantile can be. Buckets
 * are coarse where SLOs sit (vLLM's TTFT buckets jump from 1 s to 2.5 s), and interpolating inside
 * (1 s, 2.5 s] reads a 2 s SLO as breached whenever a few percent of prompts take over a second,
 * whatever the replica count: on Mooncake at 30x that held prefill at twice the oracle's fleet. A
 * breach is certain only when this bound reaches the SLO. Undefined where `histogramQuantile` is.
 */
export function quantileLowerBound(q: number, buckets: readonly CumulativeBucket[]): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const last = sorted[sorted.length - 1];
  if (sorted.length < 2 || last === undefined || last.le !== Infinity || !(q >= 0 && q <= 1))
    return undefined;
  const counts = monotoneCounts(sorted);
  const total = counts[counts.length - 1] ?? 0;
  if (!(total > 0)) return undefined;
  const index = counts.findIndex((count) => count >= q * total);
  if (index <= 0) return index === 0 ? Math.min(0, sorted[0]?.le ?? 0) : undefined;
  return sorted[index - 1]?.le;
}
