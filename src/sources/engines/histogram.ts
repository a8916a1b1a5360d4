// SPDX-License-Identifier: Apache-2.0
// The compact form of a cumulative histogram: bucket bounds and counts as two parallel arrays of
// numbers, the bounds shared by every histogram of the same layout. A collector keeps two histograms
// per family per pod between passes (the last sample and the window's deltas); as `{ le, count }`
// objects they were most of the 21 KB retained per pod with 3,200 pods (bench/collection.ts under
// --expose-gc). Measured with --expose-gc on 38,400 histograms of 20 buckets (3,200 pods
// x 12): 1,339 bytes each as objects, 212 as a number[] of counts, 355 as a Float64Array (too small
// for V8 to pay off its separate backing store), so counts are a plain exact-length array.
import type { CumulativeHistogram, HistogramBucket, HistogramName } from './pod-sample.js';

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

/** Which histograms a packed set holds, in order, and their bounds. */
interface PackLayout {
  readonly names: readonly HistogramName[];
  readonly bounds: readonly (readonly number[])[];
}

/** Packed layouts by names and bounds identity: pods exporting the same families share one. */
const packLayouts = new Map<string, PackLayout>();
const boundsIds = new WeakMap<readonly number[], number>();
let nextBoundsId = 0;

function boundsId(bounds: readonly number[]): number {
  let id = boundsIds.get(bounds);
  if (id === undefined) {
    id = nextBoundsId++;
    boundsIds.set(bounds, id);
  }
  return id;
}

function packLayout(names: HistogramName[], bounds: (readonly number[])[]): PackLayout {
  const key = names.map((name, i) => `${name}#${boundsId(bounds[i] ?? [])}`).join(',');
  const known = packLayouts.get(key);
  if (known !== undefined) return known;
  const layout = { names, bounds };
  if (packLayouts.size < maxLayouts) packLayouts.set(key, layout);
  return layout;
}

/**
 * The histograms of one pod's sample or window in one exact-length array: per histogram its counts,
 * then its count and sum. What a collector keeps between passes (role-collector.ts): one array and a
 * shared layout instead of a `Histogram`, a counts array and a boxed sum per family, 4.5 -> 3.4 KB
 * per pod on the collection bench. Each MB kept cost about 3 MB of peak RSS there (interleaved runs,
 * default flags): V8 sizes the old generation from what survives.
 */
export class PackedHistograms {
  private readonly layout: PackLayout;
  private readonly data: readonly number[];

  private constructor(layout: PackLayout, data: readonly number[]) {
    this.layout = layout;
    this.data = data;
  }

  static pack(histograms: Readonly<Partial<Record<HistogramName, Histogram>>>): PackedHistograms {
    const names: HistogramName[] = [];
    const bounds: (readonly number[])[] = [];
    let length = 0;
    for (const [name, h] of Object.entries(histograms) as [HistogramName, Histogram | undefined][]) {
      if (h === undefined) continue;
      names.push(name);
      bounds.push(h.bounds);
      length += h.counts.length + 2;
    }
    const data = new Array<number>(length);
    let at = 0;
    for (const name of names) {
      const h = histograms[name] as Histogram;
      for (const count of h.counts) data[at++] = count;
      data[at++] = h.count;
      data[at++] = h.sum;
    }
    return new PackedHistograms(packLayout(names, bounds), data);
  }

  /** The histograms again (new objects, same bounds arrays, the same numbers). */
  unpack(): Partial<Record<HistogramName, Histogram>> {
    const { names, bounds } = this.layout;
    const { data } = this;
    const histograms: Partial<Record<HistogramName, Histogram>> = {};
    let at = 0;
    names.forEach((name, i) => {
      const layout = bounds[i] ?? [];
      const end = at + layout.length;
      histograms[name] = new Histogram(layout, data.slice(at, end), data[end] ?? NaN, data[end + 1] ?? NaN);
      at = end + 2;
    });
    return histograms;
  }
}
