// SPDX-License-Identifier: Apache-2.0
// The compact form of a cumulative histogram: bucket bounds and counts as two parallel arrays of
// numbers, the bounds shared by every histogram of the same layout. A collector keeps two histograms
// per family per pod between passes (the last sample and the window's deltas); as `{ le, count }`
// objects they were most of the ~21 KB retained per pod with 3,200 pods (bench/collection.ts under
// --expose-gc), ~5 KB now. Measured with --expose-gc on 38,400 histograms of 20 buckets (3,200 pods
// x 12): 1,339 bytes each as objects, 212 as a number[] of counts, 355 as a Float64Array (too small
// for V8 to pay off its separate backing store), so counts are a plain exact-length array.
import type { CumulativeHistogram, HistogramBucket } from './pod-sample.js';

export class Histogram implements CumulativeHistogram {
  /**
   * Upper bounds, ascending (`Infinity` for +Inf). From an adapter or `compactHistogram`, the frozen
   * array `sharedBounds` keeps for the layout; a merge of different layouts makes its own.
   */
  readonly bounds: readonly number[];
  /** Cumulative counts, one per bound. */
  readonly counts: readonly number[];
  readonly count: number;
  readonly sum: number;

  constructor(bounds: readonly number[], counts: readonly number[], count: number, sum: number) {
    this.bounds = bounds;
    this.counts = counts;
    this.count = count;
    this.sum = sum;
  }

  /** The buckets as `{ le, count }` objects, built on each read (for display and tests). */
  get buckets(): HistogramBucket[] {
    const { bounds, counts } = this;
    const buckets = new Array<HistogramBucket>(bounds.length);
    for (let i = 0; i < bounds.length; i++) buckets[i] = { le: bounds[i] ?? NaN, count: counts[i] ?? NaN };
    return buckets;
  }

  /** The plain shape (`pdscaler scrape --json` prints it). */
  toJSON(): CumulativeHistogram {
    return { buckets: this.buckets, count: this.count, sum: this.sum };
  }
}

/** The compact form of any cumulative histogram (itself when it already is one). */
export function compactHistogram(histogram: CumulativeHistogram): Histogram {
  if (histogram instanceof Histogram) return histogram;
  const { buckets } = histogram;
  const bounds = new Array<number>(buckets.length);
  const counts = new Array<number>(buckets.length);
  for (let i = 0; i < buckets.length; i++) {
    bounds[i] = buckets[i]?.le ?? NaN;
    counts[i] = buckets[i]?.count ?? NaN;
  }
  return new Histogram(sharedBounds(bounds), counts, histogram.count, histogram.sum);
}

/**
 * Every layout seen so far, by a hash of its bounds. Engines use a handful (one per histogram family
 * and version), so the table stays tiny; past `maxLayouts` (a page inventing bounds) new layouts are
 * simply not shared.
 */
const layouts = new Map<number, (readonly number[])[]>();
let layoutCount = 0;
export const maxLayouts = 1024;

/**
 * The one frozen array equal to `bounds` (element by element), so 3,200 pods x 2 histograms per
 * family hold one bounds array instead of 6,400, and a window can tell equal layouts by reference.
 */
export function sharedBounds(bounds: readonly number[]): readonly number[] {
  // NaN bounds never match themselves in a window (histogramIncrease): such a layout stays unshared.
  if (bounds.some(Number.isNaN)) return bounds;
  const hash = hashOf(bounds);
  const candidates = layouts.get(hash);
  if (candidates !== undefined) {
    for (const candidate of candidates) if (sameNumbers(candidate, bounds)) return candidate;
  }
  if (layoutCount >= maxLayouts) return bounds;
  const frozen = Object.freeze(bounds.slice());
  if (candidates === undefined) layouts.set(hash, [frozen]);
  else candidates.push(frozen);
  layoutCount++;
  return frozen;
}

function hashOf(bounds: readonly number[]): number {
  let hash = bounds.length;
  for (const bound of bounds) {
    // Bounds are decimals like 0.005 or 2560: their scaled integer part spreads them well enough.
    const part = Number.isFinite(bound) ? Math.trunc(bound * 1e6) | 0 : bound > 0 ? 1 : 2;
    hash = (Math.imul(hash, 31) + part) | 0;
  }
  return hash;
}

/** Same length and the same numbers in order (`Object.is`, so -0 and NaN match only themselves). */
export function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
