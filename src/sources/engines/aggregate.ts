// SPDX-License-Identifier: Apache-2.0
// One role's RoleObservation from the windows of the pods that answered this tick. A pod that failed
// to scrape is simply not passed in: it contributes nothing, and the caller marks the role stale.
// Every field's `atMs` is the OLDEST scrape that contributed to it, so one lagging pod ages the field.
//
// | RoleObservation field | From the pods' windows                                                 |
// | --------------------- | ---------------------------------------------------------------------- |
// | requestRatePerS       | SUM of per-pod request rates (finished counter, else started counter,  |
// |                       | else E2E observations; window.ts). All-or-nothing: a pod without a rate|
// |                       | yet (first scrape, restart) makes it unknown, as a partial sum would   |
// |                       | read as a load drop. 0 when no request finished anywhere (known zero). |
// | inputTokensMean       | sum of the pods' ISL histogram deltas / their count (merged), else     |
// |                       | sum of prompt-token increases / sum of request increases               |
// | outputTokensMean      | idem with the OSL histogram / generation tokens                        |
// | inputTokensBuckets    | the pods' ISL histogram deltas merged by bucket bound (le in tokens)   |
// | ttftMs, tpotMs        | the pods' histogram DELTAS merged by bucket bound first, then          |
// |                       | `histogram_quantile` (never an average of per-pod quantiles); both     |
// |                       | `buckets` (ms) and p50/p90/p95/p99 are given. Unknown when no request  |
// |                       | was observed in the window.                                            |
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
// | readyReplicas         | number of pods that answered (absent when none did: unknown, since the |
// |                       | caller cannot tell "no pods" from "all scrapes failed" here)           |
// | desiredReplicas,      | not from engine metrics: the Kubernetes side fills them                |
// | pendingReplicas       |                                                                        |
// Additive gauges are all-or-nothing like the rate; a field no pod exports stays absent.
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
  readonly extra: RoleExtras;
}

type Outcome<T> =
  { readonly ok: true; readonly field: Observed<T> } | { readonly ok: false; readonly reason: string };

type Mutable<T> = { -readonly [K in keyof T]?: T[K] };

/** Aggregates the windows of one role's answering pods. */
export function aggregateRole(pods: readonly PodWindow[]): RoleAggregate {
  const observation: Mutable<RoleObservation> = {};
  const unknown: Partial<Record<keyof RoleObservation, string>> = {};
  const put = <K extends keyof RoleObservation>(key: K, outcome: Outcome<ObservedValue<K>>): void => {
    if (outcome.ok) observation[key] = outcome.field as RoleObservation[K];
    else unknown[key] = outcome.reason;
  };
  put(
    'requestRatePerS',
    additive(pods, 'request rate', (p) => p.requestRatePerS, 'window'),
  );
  put('inputTokensMean', lengthMean(pods, 'inputTokens', 'promptTokens'));
  put('inputTokensBuckets', lengthBuckets(pods));
  put('outputTokensMean', lengthMean(pods, 'outputTokens', 'generationTokens'));
  put('ttftMs', latency(pods, 'ttftSeconds'));
  put('tpotMs', latency(pods, 'tpotSeconds'));
  put(
    'waitingRequests',
    additive(pods, 'waiting requests', (p) => waiting(p.gauges), 'scrape'),
  );
  put(
    'runningRequests',
    additive(pods, 'running requests', (p) => p.gauges.runningRequests, 'scrape'),
  );
  put(
    'activeConversations',
    additive(
      pods,
      'inflight requests',
      (p) => p.gauges.workerInflight ?? p.gauges.frontendInflight,
      'scrape',
    ),
  );
  put('kvCacheUsage', kvUsage(pods));
  put('readyReplicas', readyReplicas(pods));
  return { observation, unknown, extra: extras(pods) };
}

type ObservedValue<K extends keyof RoleObservation> =
  NonNullable<RoleObservation[K]> extends Observed<infer T> ? T : never;

function extras(pods: readonly PodWindow[]): RoleExtras {
  const extra: Mutable<RoleExtras> = {};
  const e2e = latency(pods, 'e2eSeconds');
  if (e2e.ok) extra.e2eMs = e2e.field;
  const queue = latency(pods, 'queueTimeSeconds');
  if (queue.ok) extra.queueTimeMs = queue.field;
  const prompt = additive(pods, 'prompt tokens', (p) => p.ratesPerS.promptTokens, 'window');
  if (prompt.ok) extra.promptTokensPerS = prompt.field;
  const generation = additive(pods, 'generation tokens', (p) => p.ratesPerS.generationTokens, 'window');
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

/**
 * A sum over every answering pod, or why not: no pod answered, none has it (no window yet for a
 * rate, not exported for a gauge), or some lack it.
 */
function additive(
  pods: readonly PodWindow[],
  what: string,
  read: (pod: PodWindow) => number | undefined,
  from: 'window' | 'scrape',
): Outcome<number> {
  if (pods.length === 0) return { ok: false, reason: 'no pod answered' };
  const values = pods.map(read);
  const missing = pods.filter((_, i) => values[i] === undefined);
  if (missing.length === pods.length)
    return { ok: false, reason: from === 'window' ? noWindow(pods, what) : `no pod exports ${what}` };
  if (missing.length > 0)
    return { ok: false, reason: `${missing.length} of ${pods.length} pods have no ${what} yet` };
  return {
    ok: true,
    field: { value: values.reduce<number>((a, b) => a + (b ?? 0), 0), atMs: oldest(pods) },
  };
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

function readyReplicas(pods: readonly PodWindow[]): Outcome<number> {
  if (pods.length === 0) return { ok: false, reason: 'no pod answered' };
  return { ok: true, field: { value: pods.length, atMs: oldest(pods) } };
}
