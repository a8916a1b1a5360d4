// SPDX-License-Identifier: Apache-2.0
// Windowed signals of one pod from two consecutive samples (previous, current): counters become
// increases and per-second rates, histograms become bucket deltas and then quantiles, with the maths
// of PromQL `rate`/`increase` between two points and `histogram_quantile` (reused, not re-derived).
//
// - Counter reset: a counter below its previous value means the process restarted between the
//   scrapes; as PromQL does, the whole current value is the increase.
// - Restarted pod: when the samples' `startedAtMs` differ (beyond scrape jitter), or there is no
//   previous sample, or the engine changed, nothing is windowed yet: rates, latencies and mean
//   lengths are UNKNOWN (absent), not 0. Gauges come from the current scrape regardless.
// - Zero traffic: a window with no finished request gives a request rate of 0 (a known zero), and
//   unknown latencies and mean lengths (no observation to take a quantile or mean of).
import { histogramQuantile, quantileFraction } from '../../decision/histogram-quantile.js';
import type { CumulativeBucket, Quantile } from '../../decision/types.js';
import { Quantiles } from '../../decision/types.js';
import type {
  CounterName,
  CumulativeHistogram,
  Engine,
  HistogramName,
  PodGauges,
  PodSample,
} from './pod-sample.js';
import { CounterNames, HistogramNames } from './pod-sample.js';
import { compactHistogram, Histogram } from './histogram.js';
import { setDefined } from './series.js';

/**
 * Start times closer than this are the same process: Dynamo's start is derived from uptime and the
 * scrape time, so it moves by the scrape's own latency (the per-pod timeout is 2 s by default).
 */
export const restartToleranceMs = 5_000;

/** A latency histogram over a window, in milliseconds, with the SLO quantiles already taken. */
export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  /** p50/p90/p95/p99 as PromQL `histogram_quantile` would estimate them; absent without buckets. */
  readonly quantilesMs: Readonly<Partial<Record<Quantile, number>>>;
  /** Cumulative bucket deltas, bounds in ms (`Infinity` for +Inf). */
  readonly bucketsMs: readonly CumulativeBucket[];
}

/** Where the request count of a window came from, best first. */
export type RequestSource = 'requestsFinished' | 'requestsStarted' | 'e2eCount';

export interface PodWindow {
  readonly engine: Engine;
  /** The current scrape: the freshness of every field below. */
  readonly scrapedAtMs: number;
  /** The previous scrape, when a window exists. */
  readonly fromMs?: number;
  /** Why there is no window (first scrape, restart, engine change, non-increasing time). */
  readonly noWindowReason?: string;
  /** Gauges of the current scrape. */
  readonly gauges: PodGauges;
  readonly increases: Readonly<Partial<Record<CounterName, number>>>;
  readonly ratesPerS: Readonly<Partial<Record<CounterName, number>>>;
  /** Histogram increases over the window (same shape as the cumulative ones). */
  readonly deltas: Readonly<Partial<Record<HistogramName, Histogram>>>;
  /** Requests in the window and their rate: 0 is a known zero. */
  readonly requestIncrease?: number;
  readonly requestRatePerS?: number;
  readonly requestSource?: RequestSource;
  readonly ttftMs?: LatencySummary;
  readonly tpotMs?: LatencySummary;
  readonly e2eMs?: LatencySummary;
  readonly queueTimeMs?: LatencySummary;
  /** Mean prompt / generation length of the window's requests (ISL / OSL). */
  readonly inputTokensMean?: number;
  readonly outputTokensMean?: number;
}

/** The increase of a counter between two readings; a decrease is a reset (PromQL semantics). */
export function counterIncrease(previous: number, current: number): number {
  return current >= previous ? current - previous : current;
}

/**
 * The increase of a cumulative histogram between two readings. Bucket deltas need the same bounds
 * in both; a count or bucket that went down, or changed bounds, means the process restarted and
 * the current histogram is the whole increase (as `counterIncrease`).
 */
export function histogramIncrease<H extends CumulativeHistogram>(
  previous: CumulativeHistogram,
  current: H,
): H | Histogram {
  const before = compactHistogram(previous);
  const now = compactHistogram(current);
  if (isReset(before, now)) return current;
  const counts = new Array<number>(now.counts.length);
  for (let i = 0; i < counts.length; i++) counts[i] = (now.counts[i] ?? NaN) - (before.counts[i] ?? 0);
  return new Histogram(now.bounds, counts, now.count - before.count, now.sum - before.sum);
}

function isReset(previous: Histogram, current: Histogram): boolean {
  if (current.count < previous.count) return true;
  const { bounds, counts } = current;
  if (bounds.length !== previous.bounds.length) return true;
  // Layouts are shared arrays (histogram.ts): the same array is the same bounds, no need to compare.
  const sameLayout = bounds === previous.bounds;
  for (let i = 0; i < bounds.length; i++) {
    if (!sameLayout && previous.bounds[i] !== bounds[i]) return true;
    if ((counts[i] ?? NaN) < (previous.counts[i] ?? NaN)) return true;
  }
  return false;
}

/** A latency histogram in seconds -> ms summary; undefined when it holds no observation. */
export function latencySummary(histogram: CumulativeHistogram | undefined): LatencySummary | undefined {
  if (histogram === undefined || !(histogram.count > 0)) return undefined;
  const { bounds, counts } = compactHistogram(histogram);
  const bucketsMs = bounds.map((le, i) => ({ le: le * 1000, count: counts[i] ?? NaN }));
  const quantilesMs: Partial<Record<Quantile, number>> = {};
  for (const quantile of Quantiles) {
    const value = histogramQuantile(quantileFraction(quantile), bucketsMs);
    if (value !== undefined && Number.isFinite(value)) quantilesMs[quantile] = value;
  }
  return { count: histogram.count, meanMs: (histogram.sum / histogram.count) * 1000, quantilesMs, bucketsMs };
}

/**
 * The mean length per request: from the length histogram (`delta sum / delta count`) when the engine
 * exports one, else tokens over requests (exact for SGLang, whose token counters and request counter
 * all move when a request finishes). Undefined when the window holds no request.
 */
export function meanLength(
  histogram: CumulativeHistogram | undefined,
  tokens: number | undefined,
  requests: number | undefined,
): number | undefined {
  if (histogram !== undefined) return histogram.count > 0 ? histogram.sum / histogram.count : undefined;
  if (tokens === undefined || requests === undefined || !(requests > 0)) return undefined;
  return tokens / requests;
}

/** The previous sample when the two make a window, else why they do not. */
function windowStart(
  previous: PodSample | undefined,
  current: PodSample,
): { readonly previous: PodSample } | { readonly reason: string } {
  if (previous === undefined) return { reason: 'first scrape of this pod: no rate yet' };
  if (previous.engine !== current.engine)
    return { reason: `engine changed from ${previous.engine} to ${current.engine}` };
  if (!(current.scrapedAtMs > previous.scrapedAtMs)) return { reason: 'scrape time did not advance' };
  const before = previous.startedAtMs;
  const now = current.startedAtMs;
  if (before !== undefined && now !== undefined && Math.abs(now - before) > restartToleranceMs)
    return { reason: 'pod restarted (process start time changed): no rate yet' };
  return { previous };
}

export interface WindowOptions {
  /**
   * Whether to summarize each latency histogram of the pod (`ttftMs`... with quantiles and buckets in
   * ms). Default true. A role's latency comes from the merged deltas (aggregate.ts), so the collector
   * turns this off: per pod it was four bucket copies and sixteen quantile sorts, then dropped.
   */
  readonly latencySummaries?: boolean;
}

/** Windowed signals of one pod; `last` is the pod's previous successful sample, if any. */
export function windowPod(
  last: PodSample | undefined,
  current: PodSample,
  options: WindowOptions = {},
): PodWindow {
  const { engine, scrapedAtMs, gauges } = current;
  const start = windowStart(last, current);
  if ('reason' in start)
    return {
      engine,
      scrapedAtMs,
      gauges,
      noWindowReason: start.reason,
      increases: {},
      ratesPerS: {},
      deltas: {},
    };
  const { previous } = start;
  const seconds = (current.scrapedAtMs - previous.scrapedAtMs) / 1000;
  const increases: Partial<Record<CounterName, number>> = {};
  const ratesPerS: Partial<Record<CounterName, number>> = {};
  for (const name of CounterNames) {
    const before = previous.counters[name];
    const now = current.counters[name];
    if (before === undefined || now === undefined) continue;
    increases[name] = counterIncrease(before, now);
    ratesPerS[name] = increases[name] / seconds;
  }
  const deltas: Partial<Record<HistogramName, Histogram>> = {};
  for (const name of HistogramNames) {
    const before = previous.histograms[name];
    const now = current.histograms[name];
    if (before !== undefined && now !== undefined) deltas[name] = histogramIncrease(before, now);
  }
  // One literal, then the optional fields by name: windows share V8 maps. Spreading a variable
  // object into the literal gave every retained window a map of its own (~0.3 KB per pod, heap
  // snapshot of 800 pods).
  const window: Mutable<PodWindow> = {
    engine,
    scrapedAtMs,
    gauges,
    fromMs: previous.scrapedAtMs,
    increases,
    ratesPerS,
    deltas,
  };
  addDerivedSignals(window, seconds, options.latencySummaries ?? true);
  return window;
}

/** The request count of a window: finished counter, else started counter, else E2E observations. */
export function requestCount(
  increases: Readonly<Partial<Record<CounterName, number>>>,
  deltas: Readonly<Partial<Record<HistogramName, CumulativeHistogram>>>,
): { increase: number; source: RequestSource } | undefined {
  if (increases.requestsFinished !== undefined)
    return { increase: increases.requestsFinished, source: 'requestsFinished' };
  if (increases.requestsStarted !== undefined)
    return { increase: increases.requestsStarted, source: 'requestsStarted' };
  if (deltas.e2eSeconds !== undefined) return { increase: deltas.e2eSeconds.count, source: 'e2eCount' };
  return undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function addDerivedSignals(window: Mutable<PodWindow>, seconds: number, summaries: boolean): void {
  const { increases, deltas } = window;
  const requests = requestCount(increases, deltas);
  if (requests !== undefined) {
    window.requestIncrease = requests.increase;
    window.requestRatePerS = requests.increase / seconds;
    window.requestSource = requests.source;
  }
  if (summaries) {
    setDefined(window, 'ttftMs', latencySummary(deltas.ttftSeconds));
    setDefined(window, 'tpotMs', latencySummary(deltas.tpotSeconds));
    setDefined(window, 'e2eMs', latencySummary(deltas.e2eSeconds));
    setDefined(window, 'queueTimeMs', latencySummary(deltas.queueTimeSeconds));
  }
  const count = requests?.increase;
  setDefined(window, 'inputTokensMean', meanLength(deltas.inputTokens, increases.promptTokens, count));
  setDefined(window, 'outputTokensMean', meanLength(deltas.outputTokens, increases.generationTokens, count));
}
