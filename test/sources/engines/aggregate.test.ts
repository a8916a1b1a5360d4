// SPDX-License-Identifier: Apache-2.0
// Per-role aggregation: histograms merged before the quantile, sums, weighted KV usage, freshness
// (oldest contributing scrape), and unknown fields that stay absent.
import { describe, expect, it } from 'vitest';
import { latencyQuantileMs } from '../../../src/decision/signals.js';
import { aggregateRole, mergeHistograms } from '../../../src/sources/engines/aggregate.js';
import type { PodGauges, PodSample } from '../../../src/sources/engines/pod-sample.js';
import { fromPage as vllmFromPage } from '../../../src/sources/engines/vllm.js';
import { windowPod, type PodWindow } from '../../../src/sources/engines/window.js';
import { histogramLines, labelText, parse, sampleOf, vllmPage, type VllmState } from './pages.js';

const t0 = 1_700_000_000_000;
const t1 = t0 + 15_000;

/** A vLLM pod whose TTFT histogram has bounds 0.1, 1, 2 s and +Inf. */
function ttftPod(
  success: number,
  ttft: [number, number, number, number],
  sum: number,
  atMs: number,
): PodSample {
  const l = { engine: '0', model_name: 'm' };
  const text = [
    `vllm:request_success_total${labelText({ ...l, finished_reason: 'stop' })} ${success}`,
    ...histogramLines('vllm:time_to_first_token_seconds', l, [0.1, 1, 2], { counts: ttft, sum }),
  ].join('\n');
  return sampleOf(vllmFromPage(parse(text + '\n'), { scrapedAtMs: atMs }));
}

/** A window over a pod that only has gauges (no previous scrape needed for them). */
function gaugePod(gauges: PodGauges, atMs = t1): PodWindow {
  return windowPod(undefined, { engine: 'vllm', scrapedAtMs: atMs, counters: {}, gauges, histograms: {} });
}

describe('aggregateRole merges histogram deltas across pods before taking quantiles', () => {
  // Pod A served 90 requests, all with TTFT <= 100 ms; pod B served 10, each between 1 s and 2 s.
  const podA = windowPod(ttftPod(0, [0, 0, 0, 0], 0, t0), ttftPod(90, [90, 90, 90, 90], 4.5, t1));
  const podB = windowPod(
    ttftPod(0, [0, 0, 0, 0], 0, t0 - 2_000),
    ttftPod(10, [0, 0, 10, 10], 15, t1 - 2_000), // scraped 2 s earlier than A
  );
  const { observation } = aggregateRole([podA, podB]);

  it('gives the quantiles of the merged buckets, not the average of per-pod quantiles', () => {
    const ttft = observation.ttftMs;
    // Merged deltas: 90 <= 100 ms, 90 <= 1 s, 100 <= 2 s, 100 in all.
    expect(ttft?.value.buckets).toStrictEqual([
      { le: 100, count: 90 },
      { le: 1000, count: 90 },
      { le: 2000, count: 100 },
      { le: Infinity, count: 100 },
    ]);
    // p50: rank 50 of 100 lies in (0, 100 ms] holding 90: 100 x 50/90 = 55.6 ms.
    expect(ttft?.value.quantilesMs?.p50).toBeCloseTo((100 * 50) / 90, 9);
    // p90: rank 90 is exactly the 90 requests <= 100 ms: 100 ms.
    expect(ttft?.value.quantilesMs?.p90).toBeCloseTo(100, 9);
    // p99: rank 99 lies in (1 s, 2 s] holding 10 above 90: 1000 + 1000 x 9/10 = 1900 ms.
    expect(ttft?.value.quantilesMs?.p99).toBeCloseTo(1900, 9);
    // Averaging the pods' own quantiles would say p50 = (50 + 1500)/2 = 775 ms: 14x too high, as
    // if half the requests were slow when only 1 in 10 was.
    expect(podA.ttftMs?.quantilesMs.p50).toBeCloseTo(50, 9); // 100 x 45/90
    expect(podB.ttftMs?.quantilesMs.p50).toBeCloseTo(1500, 9); // 1000 + 1000 x 5/10
    const averaged = ((podA.ttftMs?.quantilesMs.p50 ?? 0) + (podB.ttftMs?.quantilesMs.p50 ?? 0)) / 2;
    expect(averaged).toBeCloseTo(775, 9);
    expect(Math.abs(averaged - (ttft?.value.quantilesMs?.p50 ?? 0))).toBeGreaterThan(700);
    // ... and p99 = (99 + 1990)/2 = 1044.5 ms instead of 1900 ms.
    expect(((podA.ttftMs?.quantilesMs.p99 ?? 0) + (podB.ttftMs?.quantilesMs.p99 ?? 0)) / 2).toBeCloseTo(
      1044.5,
      9,
    );
  });

  it('is what the decision core reads, and dates each field by the oldest contributing scrape', () => {
    expect(latencyQuantileMs(observation.ttftMs?.value ?? {}, 'p99')).toBeCloseTo(1900, 9);
    expect(observation.ttftMs?.atMs).toBe(t1 - 2_000);
    expect(observation.requestRatePerS).toStrictEqual({ value: 90 / 15 + 10 / 15, atMs: t1 - 2_000 });
    expect(observation.readyReplicas).toStrictEqual({ value: 2, atMs: t1 - 2_000 });
  });
});

describe('aggregateRole sums, weights and leaves unknowns absent', () => {
  it('sums rates and gauges of every pod and averages ISL over the merged histograms', () => {
    const a0: VllmState = {
      success: 0,
      prompt: 0,
      generation: 0,
      waiting: 0,
      running: 0,
      kv: 0,
      ttft: [0, 0, 0, 0],
      ttftSum: 0,
      isl: { count: 0, sum: 0 },
    };
    const podA = windowPod(
      sampleOf(vllmFromPage(vllmPage(a0), { scrapedAtMs: t0 })),
      sampleOf(
        vllmFromPage(
          vllmPage({
            ...a0,
            success: 10,
            prompt: 1_000,
            waiting: 1,
            running: 5,
            isl: { count: 10, sum: 1_000 },
          }),
          {
            scrapedAtMs: t1,
          },
        ),
      ),
    );
    const podB = windowPod(
      sampleOf(vllmFromPage(vllmPage(a0), { scrapedAtMs: t0 })),
      sampleOf(
        vllmFromPage(
          vllmPage({
            ...a0,
            success: 30,
            prompt: 27_000,
            waiting: 3,
            running: 7,
            isl: { count: 30, sum: 27_000 },
          }),
          {
            scrapedAtMs: t1,
          },
        ),
      ),
    );
    const { observation, extra } = aggregateRole([podA, podB]);
    expect(observation.requestRatePerS).toStrictEqual({ value: 40 / 15, atMs: t1 });
    expect(observation.waitingRequests).toStrictEqual({ value: 4, atMs: t1 });
    expect(observation.runningRequests).toStrictEqual({ value: 12, atMs: t1 });
    // (1,000 + 27,000) tokens over (10 + 30) requests: 700. Averaging the pods' means (100 and 900)
    // would say 500, weighting the quiet pod like the busy one.
    expect(observation.inputTokensMean).toStrictEqual({ value: 700, atMs: t1 });
    // The prompt-length distribution merged by bound: all 40 prompts fell in (1,000, 10,000].
    expect(observation.inputTokensBuckets).toStrictEqual({
      value: [
        { le: 1000, count: 0 },
        { le: 10000, count: 40 },
        { le: Infinity, count: 40 },
      ],
      atMs: t1,
    });
    expect(extra.promptTokensPerS).toStrictEqual({ value: 28_000 / 15, atMs: t1 });
    // Zero traffic on TTFT here (both histograms flat): latency unknown, not 0.
    expect('ttftMs' in observation).toBe(false);
    expect('activeConversations' in observation).toBe(false); // vLLM does not export it
  });

  it('weights KV usage by capacity when every pod gives it, else takes the plain mean', () => {
    const weighted = aggregateRole([
      gaugePod({ kvCacheUsage: 0.5, kvCacheCapacity: 1_000 }),
      gaugePod({ kvCacheUsage: 0.1, kvCacheCapacity: 3_000 }),
    ]);
    // Used tokens 500 + 300 of 4,000: 0.2 (the plain mean would say 0.3).
    expect(weighted.observation.kvCacheUsage?.value).toBeCloseTo(0.2, 12);
    const plain = aggregateRole([
      gaugePod({ kvCacheUsage: 0.5, kvCacheCapacity: 1_000 }),
      gaugePod({ kvCacheUsage: 0.1 }),
    ]);
    expect(plain.observation.kvCacheUsage?.value).toBeCloseTo(0.3, 12);
  });

  it('adds the SGLang PD queues that wait for work, not the prefill inflight (transfer) queue', () => {
    const prefill = aggregateRole([
      gaugePod({ waitingRequests: 2, runningRequests: 1, prefillBootstrapQueue: 3, prefillInflightQueue: 5 }),
    ]);
    expect(prefill.observation.waitingRequests?.value).toBe(5);
    const decode = aggregateRole([
      gaugePod({ waitingRequests: 1, runningRequests: 30, decodePreallocQueue: 2, decodeTransferQueue: 4 }),
    ]);
    expect(decode.observation.waitingRequests?.value).toBe(7);
  });

  it('maps Dynamo worker inflight to active conversations', () => {
    const { observation, unknown } = aggregateRole([
      gaugePod({ workerInflight: 3, kvCacheUsage: 0.4 }, t1),
      gaugePod({ workerInflight: 4, kvCacheUsage: 0.2 }, t1 - 500),
    ]);
    expect(observation.activeConversations).toStrictEqual({ value: 7, atMs: t1 - 500 });
    expect(observation.kvCacheUsage?.value).toBeCloseTo(0.3, 12);
    expect('waitingRequests' in observation).toBe(false);
    expect(unknown.waitingRequests).toBe('no pod exports waiting requests');
    expect(unknown.requestRatePerS).toBe('no window yet: first scrape of this pod: no rate yet');
  });

  it('gives a known zero request rate and unknown latency when no pod saw traffic', () => {
    const idle = windowPod(ttftPod(7, [7, 7, 7, 7], 1, t0), ttftPod(7, [7, 7, 7, 7], 1, t1));
    const { observation, unknown } = aggregateRole([idle, idle]);
    expect(observation.requestRatePerS).toStrictEqual({ value: 0, atMs: t1 });
    expect('ttftMs' in observation).toBe(false);
    expect(unknown.ttftMs).toBe('no request observed in the window');
  });

  it('leaves everything absent when no pod answered (the caller marks staleness)', () => {
    const { observation, unknown } = aggregateRole([]);
    expect(observation).toStrictEqual({});
    expect(unknown.readyReplicas).toBe('no pod answered');
    expect(unknown.requestRatePerS).toBe('no pod answered');
    expect(unknown.kvCacheUsage).toBe('no pod answered');
  });
});

/** A vLLM pod between two scrapes 15 s apart: `served` requests of 1,000 tokens, `running` now. */
function vllmWindow(pod: {
  readonly served: number;
  readonly running: number;
  /** No previous scrape: the pod's first page. */
  readonly firstPage?: boolean;
  /** The process started again between the scrapes. */
  readonly restarted?: boolean;
}): PodWindow {
  const idle: VllmState = {
    startS: t0 / 1000 - 3_600,
    success: 0,
    prompt: 0,
    generation: 0,
    waiting: 0,
    running: 0,
    kv: 0.2,
    ttft: [0, 0, 0, 0],
    ttftSum: 0,
    isl: { count: 0, sum: 0 },
  };
  const now: VllmState = {
    ...idle,
    ...(pod.restarted === true ? { startS: t1 / 1000 - 5 } : {}),
    success: pod.served,
    prompt: pod.served * 1_000,
    running: pod.running,
    ttft: [pod.served, pod.served, pod.served, pod.served],
    ttftSum: pod.served * 0.05,
    isl: { count: pod.served, sum: pod.served * 1_000 },
  };
  const before = sampleOf(vllmFromPage(vllmPage(idle), { scrapedAtMs: t0 }));
  const after = sampleOf(vllmFromPage(vllmPage(now), { scrapedAtMs: t1 }));
  return windowPod(pod.firstPage === true ? undefined : before, after);
}

describe('aggregateRole: a new replica never blinds the role', () => {
  const firstScrape = 'first scrape of this pod: no rate yet';
  const restart = 'pod restarted (process start time changed): no rate yet';
  it.each([
    {
      name: 'every pod has a window: all of them count, nothing is partial',
      pods: [vllmWindow({ served: 30, running: 4 }), vllmWindow({ served: 60, running: 6 })],
      ratePerS: 90 / 15,
      running: 10,
      partial: undefined,
      unknownRate: undefined,
    },
    {
      name: 'a pod on its first page: rates and latencies from the others, its gauges count at once',
      pods: [
        vllmWindow({ served: 30, running: 4 }),
        vllmWindow({ served: 60, running: 6 }),
        vllmWindow({ served: 500, running: 9, firstPage: true }),
      ],
      ratePerS: 90 / 15,
      running: 19,
      partial: `from 2 of 3 pods: 1 without a window yet (${firstScrape})`,
      unknownRate: undefined,
    },
    {
      name: 'a restarted pod: left out of the window fields until its next page',
      pods: [vllmWindow({ served: 30, running: 4 }), vllmWindow({ served: 7, running: 2, restarted: true })],
      ratePerS: 30 / 15,
      running: 6,
      partial: `from 1 of 2 pods: 1 without a window yet (${restart})`,
      unknownRate: undefined,
    },
    {
      name: 'one new and one restarted pod beside a warm one: both reasons named',
      pods: [
        vllmWindow({ served: 30, running: 4 }),
        vllmWindow({ served: 9, running: 1, firstPage: true }),
        vllmWindow({ served: 7, running: 2, restarted: true }),
      ],
      ratePerS: 30 / 15,
      running: 7,
      partial: `from 1 of 3 pods: 2 without a window yet (${firstScrape}; ${restart})`,
      unknownRate: undefined,
    },
    {
      name: 'every pod is new: window fields are missing, gauges are known',
      pods: [
        vllmWindow({ served: 30, running: 4, firstPage: true }),
        vllmWindow({ served: 60, running: 6, firstPage: true }),
      ],
      ratePerS: undefined,
      running: 10,
      partial: undefined,
      unknownRate: `no window yet: ${firstScrape}`,
    },
  ])('$name', ({ pods, ratePerS, running, partial, unknownRate }) => {
    const { observation, unknown, partial: leftOut } = aggregateRole(pods);
    expect(observation.requestRatePerS?.value).toBe(ratePerS);
    expect(unknown.requestRatePerS).toBe(unknownRate);
    expect(observation.runningRequests?.value).toBe(running);
    expect(observation.kvCacheUsage?.value).toBeCloseTo(0.2, 12);
    expect(observation.readyReplicas?.value).toBe(pods.length);
    for (const field of ['requestRatePerS', 'inputTokensMean', 'ttftMs'] as const) {
      expect(leftOut[field]).toBe(partial);
      expect(field in observation).toBe(ratePerS !== undefined);
    }
    if (ratePerS !== undefined) {
      expect(observation.inputTokensMean?.value).toBeCloseTo(1_000, 9);
      // The TTFT histogram holds the windowed requests only: a new pod's lifetime count is no window.
      expect(observation.ttftMs?.value.buckets?.at(-1)?.count).toBeCloseTo(ratePerS * 15, 9);
    }
  });

  it('still makes the rate unknown when a pod with a window exports no request count', () => {
    const counted = windowPod(ttftPod(0, [0, 0, 0, 0], 0, t0), ttftPod(30, [30, 30, 30, 30], 1, t1));
    const uncounted = windowPod(
      { engine: 'vllm', scrapedAtMs: t0, counters: {}, gauges: {}, histograms: {} },
      { engine: 'vllm', scrapedAtMs: t1, counters: {}, gauges: {}, histograms: {} },
    );
    const { observation, unknown } = aggregateRole([counted, uncounted]);
    expect('requestRatePerS' in observation).toBe(false);
    expect(unknown.requestRatePerS).toBe('1 of 2 pods with a window have no request rate');
  });
});

describe('mergeHistograms', () => {
  it('is sum by le for equal bounds and under-counts a bound one pod lacks', () => {
    const a = {
      buckets: [
        { le: 1, count: 2 },
        { le: 2, count: 5 },
        { le: Infinity, count: 6 },
      ],
      count: 6,
      sum: 9,
    };
    const c = {
      buckets: [
        { le: 1, count: 1 },
        { le: Infinity, count: 4 },
      ],
      count: 4,
      sum: 7,
    };
    expect(mergeHistograms([a, a]).toJSON()).toStrictEqual({
      buckets: [
        { le: 1, count: 4 },
        { le: 2, count: 10 },
        { le: Infinity, count: 12 },
      ],
      count: 12,
      sum: 18,
    });
    // At le=2, pod c is counted with its count at le=1 (1): 5 + 1.
    expect(mergeHistograms([a, c]).buckets).toStrictEqual([
      { le: 1, count: 3 },
      { le: 2, count: 6 },
      { le: Infinity, count: 10 },
    ]);
  });
});
