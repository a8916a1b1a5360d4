// SPDX-License-Identifier: Apache-2.0
// One role's RoleObservation from the windows of the pods that answered this tick. A pod that failed
// to scrape is simply not passed in: it contributes nothing, and the caller marks the role stale.
// Every field's `atMs` is the OLDEST scrape that contributed to it, so one lagging pod ages the field.
//
// A new replica never blinds the role: a pod on its first page (or the first page after a restart)
// has gauges but no window yet, so window fields (rates, histogram deltas) come from the pods that
// have one and `partial` says which were left out; a window field is unknown only when no pod has a
// window. Gauges come from every pod, first page included. Prometheus's `sum(rate(...))` does the same:
// a series with one sample in the range has no rate and drops out of the sum
// (https://prometheus.io/docs/prometheus/latest/querying/functions/#rate).
//
// | RoleObservation field | From the pods' windows                                                 |
// | --------------------- | ---------------------------------------------------------------------- |
// | requestRatePerS       | SUM of per-pod request rates (finished counter, else started counter,  |
// |                       | else E2E observations; window.ts) over the pods WITH a window; pods on |
// |                       | their first page are left out and listed in `partial` (what they served|
// |                       | before it is in no window anyway). Unknown when no pod has a window,   |
// |                       | or when a pod with a window exports no request count. 0 when no request|
// |                       | finished anywhere (known zero).                                        |
// | inputTokensMean       | sum of the pods' ISL histogram deltas / their count (merged), else     |
// |                       | sum of prompt-token increases / sum of request increases               |
// | outputTokensMean      | idem with the OSL histogram / generation tokens                        |
// | inputTokensBuckets    | the pods' ISL histogram deltas merged by bucket bound (le in tokens)   |
// | ttftMs, tpotMs        | the pods' histogram DELTAS merged by bucket bound first, then          |
// |                       | `histogram_quantile` (never an average of per-pod quantiles); both     |
// |                       | `buckets` (ms) and p50/p90/p95/p99 are given. Unknown when no request  |
// |                       | was observed in the window. Like every window field, from the pods     |
// |                       | that have a window.                                                    |
// | waitingRequests       | SUM of waiting (vLLM, SGLang) + SGLang PD queues that wait for work:   |
// |                       | prefill bootstrap, decode prealloc, decode transfer (vLLM counts its   |
// |                       | KV-transfer waits in num_requests_waiting too); Dynamo frontend:       |
// |                       | queued requests. Not the prefill inflight queue: its prefill is done.  |
// | runningRequests       | SUM of running                                                         |
// | activeConversations   | SUM of Dynamo worker inflight (else frontend inflight); absent for     |
// |                       | vLLM/SGLang, whose running + waiting the decision core adds itself     |
// | kvCacheUsage          | capacity-weighted mean sum(u_i C_i) / sum(C_i) when every reporting pod|
// |                       | gives its capacity: that IS the role's used/total. Otherwise the plain |
// |                       | mean, which equals it for same-sized pods (one template per role).     |
// | readyReplicas         | number of pods that answered, first page included (absent when none   |
// |                       | did: unknown, since the caller cannot tell "no pods" from "all scrapes |
// |                       | failed" here)                                                          |
// | rateWindowS           | mean length of the windowed pods' windows, seconds (the time scale of  |
// |                       | the rates, for the decider's arrival dispersion)                       |
// | desiredReplicas,      | not from engine metrics: the Kubernetes side fills them                |
// | pendingReplicas       |                                                                        |
// Additive gauges exist on every page, the first one included, so they are all-or-nothing: a pod that
// does not export one makes the sum unknown (a partial sum would read as less load); a field no pod
// exports stays absent.
import type {
  CumulativeBucket,
  LatencyObservation,
  Observed,
  RoleObservation,
} from '../../decision/types.js';
import { compactHistogram, Histogram } from './histogram.js';
import type { CumulativeHistogram, HistogramName, PodGauges } from './pod-sample.js';
import { latencySummary, meanLength, type PodWindow } from './window.js';

/** Role-level signals the decision core does not read (yet), for explanations and `scrape`. */
export interface RoleExtras {
  readonly e2eMs?: Observed<LatencyObservation>;
  readonly queueTimeMs?: Observed<LatencyObservation>;
  readonly promptTokensPerS?: Observed<number>;
  readonly generationTokensPerS?: Observed<number>;
  /**
   * Window means (histogram sum / count, merged over pods), milliseconds: what PromQL
   * `rate(x_sum) / rate(x_count)` gives and Dynamo's SLA planner reads (docs/reference.md §D.1.3).
   */
  readonly ttftMeanMs?: Observed<number>;
  readonly tpotMeanMs?: Observed<number>;
  readonly e2eMeanMs?: Observed<number>;
}

export interface RoleAggregate {
  readonly observation: RoleObservation;
  /** For each engine-derived field left absent, why (for the log and the explanation). */
  readonly unknown: Readonly<Partial<Record<keyof RoleObservation, string>>>;
  /** For each window field taken from only some of the pods, which were left out and why. */
  readonly partial: Readonly<Partial<Record<keyof RoleObservation, string>>>;
  readonly extra: RoleExtras;
}

type Outcome<T> =
  { readonly ok: true; readonly field: Observed<T> } | { readonly ok: false; readonly reason: string };

type Mutable<T> = { -readonly [K in keyof T]?: T[K] };

/** Aggregates the windows of one role's answering pods. */
export function aggregateRole(pods: readonly PodWindow[]): RoleAggregate {
  const observation: Mutable<RoleObservation> = {};
  const unknown: Partial<Record<keyof RoleObservation, string>> = {};
  const partial: Partial<Record<keyof RoleObservation, string>> = {};
  const put = <K extends keyof RoleObservation>(key: K, outcome: Outcome<ObservedValue<K>>): void => {
    if (outcome.ok) observation[key] = outcome.field as RoleObservation[K];
    else unknown[key] = outcome.reason;
  };
  const leftOut = withoutWindow(pods);
  const putWindow = <K extends keyof RoleObservation>(key: K, outcome: Outcome<ObservedValue<K>>): void => {
    put(key, outcome);
    if (outcome.ok && leftOut !== undefined) partial[key] = leftOut;
  };
  putWindow(
    'requestRatePerS',
    windowSum(pods, 'request rate', (p) => p.requestRatePerS),
  );
  putWindow('inputTokensMean', lengthMean(pods, 'inputTokens', 'promptTokens'));
  putWindow('inputTokensBuckets', lengthBuckets(pods));
  putWindow('outputTokensMean', lengthMean(pods, 'outputTokens', 'generationTokens'));
  putWindow('ttftMs', latency(pods, 'ttftSeconds'));
  putWindow('tpotMs', latency(pods, 'tpotSeconds'));
  put(
    'waitingRequests',
    gaugeSum(pods, 'waiting requests', (p) => waiting(p.gauges)),
  );
  put(
    'runningRequests',
    gaugeSum(pods, 'running requests', (p) => p.gauges.runningRequests),
  );
  put(
    'activeConversations',
    gaugeSum(pods, 'inflight requests', (p) => p.gauges.workerInflight ?? p.gauges.frontendInflight),
  );
  put('kvCacheUsage', kvUsage(pods));
  put('readyReplicas', readyReplicas(pods));
  put('rateWindowS', rateWindow(pods));
  return { observation, unknown, partial, extra: extras(pods) };
}

type ObservedValue<K extends keyof RoleObservation> =
  NonNullable<RoleObservation[K]> extends Observed<infer T> ? T : never;

function extras(pods: readonly PodWindow[]): RoleExtras {
  const extra: Mutable<RoleExtras> = {};
  const e2e = latency(pods, 'e2eSeconds');
  if (e2e.ok) extra.e2eMs = e2e.field;
  const queue = latency(pods, 'queueTimeSeconds');
  if (queue.ok) extra.queueTimeMs = queue.field;
  const prompt = windowSum(pods, 'prompt tokens', (p) => p.ratesPerS.promptTokens);
  if (prompt.ok) extra.promptTokensPerS = prompt.field;
  const generation = windowSum(pods, 'generation tokens', (p) => p.ratesPerS.generationTokens);
  if (generation.ok) extra.generationTokensPerS = generation.field;
  const ttftMean = meanLatencyMs(pods, 'ttftSeconds');
  if (ttftMean !== undefined) extra.ttftMeanMs = ttftMean;
  const tpotMean = meanLatencyMs(pods, 'tpotSeconds');
  if (tpotMean !== undefined) extra.tpotMeanMs = tpotMean;
  const e2eMean = meanLatencyMs(pods, 'e2eSeconds');
  if (e2eMean !== undefined) extra.e2eMeanMs = e2eMean;
  return extra;
}

/** Sum over count of a latency histogram's window deltas, merged over pods; undefined when empty. */
function meanLatencyMs(pods: readonly PodWindow[], name: HistogramName): Observed<number> | undefined {
  let count = 0;
  let sum = 0;
  let atMs = Infinity;
  for (const pod of pods) {
    const delta = pod.deltas[name];
    if (delta === undefined) continue;
    count += delta.count;
    sum += delta.sum;
    atMs = Math.min(atMs, pod.scrapedAtMs);
  }
  return count > 0 ? { value: (sum / count) * 1000, atMs } : undefined;
}

/** Requests waiting for this role's work (see the table above). */
function waiting(g: PodGauges): number | undefined {
  const parts = [
    g.waitingRequests,
    g.prefillBootstrapQueue,
    g.decodePreallocQueue,
    g.decodeTransferQueue,
    g.frontendQueued,
  ].filter((v): v is number => v !== undefined);
  return parts.length === 0 ? undefined : parts.reduce((a, b) => a + b, 0);
}

function oldest(pods: readonly PodWindow[]): number {
  return Math.min(...pods.map((p) => p.scrapedAtMs));
}

function sum(values: readonly (number | undefined)[]): number {
  return values.reduce<number>((total, value) => total + (value ?? 0), 0);
}

/**
 * A gauge summed over every answering pod (each page has its gauges, the first one too), or why not:
 * no pod answered, none exports it, or some do not.
 */
function gaugeSum(
  pods: readonly PodWindow[],
  what: string,
  read: (pod: PodWindow) => number | undefined,
): Outcome<number> {
  if (pods.length === 0) return { ok: false, reason: 'no pod answered' };
  const values = pods.map(read);
  const missing = values.filter((v) => v === undefined).length;
  if (missing === pods.length) return { ok: false, reason: `no pod exports ${what}` };
  if (missing > 0) return { ok: false, reason: `${missing} of ${pods.length} pods do not export ${what}` };
  return { ok: true, field: { value: sum(values), atMs: oldest(pods) } };
}

/**
 * A rate summed over the pods that have a window; pods without one (first page, restart) are left out.
 * Unknown when no pod has a window, or when a pod with a window lacks the rate (it does not export the
 * counter: leaving it out would read as less load for good).
 */
function windowSum(
  pods: readonly PodWindow[],
  what: string,
  read: (pod: PodWindow) => number | undefined,
): Outcome<number> {
  const windowed = pods.filter((p) => p.noWindowReason === undefined);
  if (windowed.length === 0) return { ok: false, reason: noWindow(pods, what) };
  const values = windowed.map(read);
  const lacking = values.filter((v) => v === undefined).length;
  if (lacking === windowed.length) return { ok: false, reason: `no pod exports ${what}` };
  if (lacking > 0)
    return { ok: false, reason: `${lacking} of ${windowed.length} pods with a window have no ${what}` };
  return { ok: true, field: { value: sum(values), atMs: oldest(windowed) } };
}

/** What a window field leaves out, e.g. "from 5 of 6 pods: 1 without a window yet (...)"; else undefined. */
function withoutWindow(pods: readonly PodWindow[]): string | undefined {
  const left = pods.filter((p) => p.noWindowReason !== undefined);
  if (left.length === 0 || left.length === pods.length) return undefined;
  const reasons = [...new Set(left.map((p) => p.noWindowReason))];
  return `from ${pods.length - left.length} of ${pods.length} pods: ${left.length} without a window yet (${reasons.join('; ')})`;
}

/**
 * Merges cumulative histograms of several pods bucket by bucket. Identical bounds (the normal case)
 * is PromQL's `sum by (le)`. A bound one pod lacks takes that pod's count at its next lower bound,
 * an under-estimate that keeps the merged counts monotone.
 */
export function mergeHistograms(histograms: readonly CumulativeHistogram[]): Histogram {
  const compact = histograms.map(compactHistogram);
  let count = 0;
  let sum = 0;
  for (const h of compact) {
    count += h.count;
    sum += h.sum;
  }
  const layout = compact[0]?.bounds;
  // Pods of one role share one layout array (histogram.ts): add counts index by index.
  if (layout !== undefined && ascending(layout) && compact.every((h) => h.bounds === layout)) {
    const counts = new Array<number>(layout.length).fill(0);
    for (const h of compact)
      for (let i = 0; i < counts.length; i++) counts[i] = (counts[i] ?? 0) + (h.counts[i] ?? NaN);
    return new Histogram(layout, counts, count, sum);
  }
  const bounds = [...new Set(compact.flatMap((h) => h.bounds))].sort((a, b) => a - b);
  const counts = bounds.map((le) => compact.reduce((total, h) => total + countAtOrBelow(h, le), 0));
  return new Histogram(bounds, counts, count, sum);
}

/** Strictly increasing: each bound is its own bucket, as the general merge below would make it. */
function ascending(bounds: readonly number[]): boolean {
  for (let i = 1; i < bounds.length; i++) if (!((bounds[i] ?? NaN) > (bounds[i - 1] ?? NaN))) return false;
  return true;
}

function countAtOrBelow(histogram: Histogram, le: number): number {
  const { bounds, counts } = histogram;
  let count = 0;
  for (let i = 0; i < bounds.length; i++) {
    if ((bounds[i] ?? NaN) > le) break;
    count = counts[i] ?? NaN;
  }
  return count;
}

function latency(pods: readonly PodWindow[], name: HistogramName): Outcome<LatencyObservation> {
  const contributing = pods.filter((p) => p.deltas[name] !== undefined);
  if (contributing.length === 0) return { ok: false, reason: noWindow(pods, name) };
  const merged = mergeHistograms(contributing.map((p) => p.deltas[name] as Histogram));
  const summary = latencySummary(merged);
  if (summary === undefined) return { ok: false, reason: 'no request observed in the window' };
  return {
    ok: true,
    field: {
      value: { quantilesMs: summary.quantilesMs, buckets: summary.bucketsMs },
      atMs: oldest(contributing),
    },
  };
}

function noWindow(pods: readonly PodWindow[], what: string): string {
  if (pods.length === 0) return 'no pod answered';
  const reasons = [...new Set(pods.map((p) => p.noWindowReason).filter((r) => r !== undefined))];
  return reasons.length > 0 ? `no window yet: ${reasons.join('; ')}` : `no pod exports ${what}`;
}

function lengthMean(
  pods: readonly PodWindow[],
  histogram: 'inputTokens' | 'outputTokens',
  tokens: 'promptTokens' | 'generationTokens',
): Outcome<number> {
  const withHistogram = pods.filter((p) => p.deltas[histogram] !== undefined);
  const contributing =
    withHistogram.length > 0
      ? withHistogram
      : pods.filter((p) => p.increases[tokens] !== undefined && p.requestIncrease !== undefined);
  if (contributing.length === 0) return { ok: false, reason: noWindow(pods, histogram) };
  const value =
    withHistogram.length > 0
      ? meanLength(
          mergeHistograms(withHistogram.map((p) => p.deltas[histogram] as Histogram)),
          undefined,
          undefined,
        )
      : meanLength(
          undefined,
          contributing.reduce((t, p) => t + (p.increases[tokens] ?? 0), 0),
          contributing.reduce((t, p) => t + (p.requestIncrease ?? 0), 0),
        );
  if (value === undefined) return { ok: false, reason: 'no request finished in the window' };
  return { ok: true, field: { value, atMs: oldest(contributing) } };
}

/** The window's prompt-length distribution, merged over the pods (the decision's unattainable share). */
function lengthBuckets(pods: readonly PodWindow[]): Outcome<readonly CumulativeBucket[]> {
  const contributing = pods.filter((p) => p.deltas.inputTokens !== undefined);
  if (contributing.length === 0) return { ok: false, reason: noWindow(pods, 'a prompt-length histogram') };
  const merged = mergeHistograms(contributing.map((p) => p.deltas.inputTokens as Histogram));
  if (!(merged.count > 0)) return { ok: false, reason: 'no request finished in the window' };
  return { ok: true, field: { value: merged.buckets, atMs: oldest(contributing) } };
}

function kvUsage(pods: readonly PodWindow[]): Outcome<number> {
  const reporting = pods.filter((p) => p.gauges.kvCacheUsage !== undefined);
  if (reporting.length === 0)
    return { ok: false, reason: pods.length === 0 ? 'no pod answered' : 'no pod exports KV cache usage' };
  const weighted = reporting.every((p) => (p.gauges.kvCacheCapacity ?? 0) > 0);
  const weight = (p: PodWindow): number => (weighted ? (p.gauges.kvCacheCapacity ?? 0) : 1);
  const total = reporting.reduce((t, p) => t + weight(p), 0);
  const used = reporting.reduce((t, p) => t + weight(p) * (p.gauges.kvCacheUsage ?? 0), 0);
  return { ok: true, field: { value: used / total, atMs: oldest(reporting) } };
}

/**
 * The mean length of the pods' windows, seconds: the time scale the rates were measured over, which
 * the decider needs to read arrival dispersion from them (decision/arrival-dispersion.ts).
 */
function rateWindow(pods: readonly PodWindow[]): Outcome<number> {
  let total = 0;
  let count = 0;
  for (const pod of pods) {
    if (pod.fromMs === undefined || !(pod.scrapedAtMs > pod.fromMs)) continue;
    total += (pod.scrapedAtMs - pod.fromMs) / 1000;
    count++;
  }
  if (count === 0) return { ok: false, reason: 'no pod has a window yet' };
  return { ok: true, field: { value: total / count, atMs: oldest(pods) } };
}

function readyReplicas(pods: readonly PodWindow[]): Outcome<number> {
  if (pods.length === 0) return { ok: false, reason: 'no pod answered' };
  return { ok: true, field: { value: pods.length, atMs: oldest(pods) } };
}
