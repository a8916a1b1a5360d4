// SPDX-License-Identifier: Apache-2.0
// Windowed signals between two scrapes of one pod: rates, counter resets, restarts, zero traffic,
// and quantiles of bucket deltas computed by hand.
import { describe, expect, it } from 'vitest';
import { fromPage as dynamoFromPage } from '../../../src/sources/engines/dynamo.js';
import type { PodSample } from '../../../src/sources/engines/pod-sample.js';
import { fromPage as sglangFromPage } from '../../../src/sources/engines/sglang.js';
import { fromPage as vllmFromPage } from '../../../src/sources/engines/vllm.js';
import {
  counterIncrease,
  histogramIncrease,
  restartToleranceMs,
  windowPod,
} from '../../../src/sources/engines/window.js';
import { histogramLines, labelText, parse, sampleOf, vllmPage, type VllmState } from './pages.js';

const t0 = 1_700_000_000_000;
const t1 = t0 + 15_000; // a 15 s window

const before: VllmState = {
  success: 100,
  prompt: 200_000,
  generation: 50_000,
  waiting: 1,
  running: 8,
  kv: 0.2,
  ttft: [10, 40, 50, 50],
  ttftSum: 20,
  isl: { count: 100, sum: 200_000 },
};

const after: VllmState = {
  success: 130, // +30 requests
  prompt: 290_000, // +90,000 prompt tokens
  generation: 59_000, // +9,000 generated tokens
  waiting: 4,
  running: 20,
  kv: 0.35,
  ttft: [10, 52, 80, 80], // deltas 0, 12, 30, 30 at 0.1, 0.5, 1 s, +Inf
  ttftSum: 38, // +18 s over 30 requests
  isl: { count: 130, sum: 290_000 }, // +30 requests, +90,000 tokens
};

function vllm(state: VllmState, atMs: number): PodSample {
  return sampleOf(vllmFromPage(vllmPage(state), { scrapedAtMs: atMs }));
}

describe('windowPod between two scrapes', () => {
  it('gives exact rates and hand-computed quantiles of the bucket deltas', () => {
    const w = windowPod(vllm(before, t0), vllm(after, t1));
    expect(w.fromMs).toBe(t0);
    expect(w.scrapedAtMs).toBe(t1);
    expect(w.noWindowReason).toBeUndefined();
    expect(w.increases).toStrictEqual({
      requestsFinished: 30,
      promptTokens: 90_000,
      generationTokens: 9_000,
    });
    expect(w.ratesPerS).toStrictEqual({ requestsFinished: 2, promptTokens: 6_000, generationTokens: 600 });
    expect(w.requestRatePerS).toBe(2);
    expect(w.requestSource).toBe('requestsFinished');
    expect(w.gauges).toStrictEqual({ waitingRequests: 4, runningRequests: 20, kvCacheUsage: 0.35 });
    expect(w.deltas.ttftSeconds?.toJSON()).toStrictEqual({
      buckets: [
        { le: 0.1, count: 0 },
        { le: 0.5, count: 12 },
        { le: 1, count: 30 },
        { le: Infinity, count: 30 },
      ],
      count: 30,
      sum: 18,
    });
    const ttft = w.ttftMs;
    expect(ttft?.count).toBe(30);
    expect(ttft?.meanMs).toBe(600); // 18 s / 30
    expect(ttft?.bucketsMs).toStrictEqual([
      { le: 100, count: 0 },
      { le: 500, count: 12 },
      { le: 1000, count: 30 },
      { le: Infinity, count: 30 },
    ]);
    // p50: rank 15 of 30; 12 are <= 500 ms, 18 in (500, 1000]: 500 + 500 x (15 - 12)/18.
    expect(ttft?.quantilesMs.p50).toBeCloseTo(500 + (500 * 3) / 18, 9);
    // p90: rank 27: 500 + 500 x 15/18 = 916.67 ms.
    expect(ttft?.quantilesMs.p90).toBeCloseTo(500 + (500 * 15) / 18, 9);
    // p95: rank 28.5; p99: rank 29.7.
    expect(ttft?.quantilesMs.p95).toBeCloseTo(500 + (500 * 16.5) / 18, 9);
    expect(ttft?.quantilesMs.p99).toBeCloseTo(500 + (500 * 17.7) / 18, 9);
    expect(w.inputTokensMean).toBe(3_000); // 90,000 / 30 from the prompt-length histogram
    // No generation-length histogram on this page: generated tokens / requests = 9,000 / 30.
    expect(w.outputTokensMean).toBe(300);
  });

  it('treats a counter below its previous value as a reset and takes the current value', () => {
    const reset: VllmState = {
      ...after,
      success: 20,
      prompt: 5_000,
      ttft: [1, 2, 3, 3],
      ttftSum: 1,
      isl: { count: 20, sum: 5_000 },
    };
    const w = windowPod(vllm(before, t0), vllm(reset, t1));
    expect(w.increases.requestsFinished).toBe(20);
    expect(w.requestRatePerS).toBe(20 / 15);
    expect(w.increases.promptTokens).toBe(5_000);
    expect(w.increases.generationTokens).toBe(9_000); // this one did not go down
    expect(w.deltas.ttftSeconds?.count).toBe(3);
    expect(w.deltas.ttftSeconds?.buckets.map((x) => x.count)).toStrictEqual([1, 2, 3, 3]);
    expect(w.inputTokensMean).toBe(250);
    expect(counterIncrease(10, 4)).toBe(4);
    expect(counterIncrease(10, 10)).toBe(0);
  });

  it('has no rate for a restarted pod (start time changed) or a first scrape: unknown, not 0', () => {
    const restarted = windowPod(
      vllm({ ...before, startS: 1_000 }, t0),
      vllm({ ...after, startS: 2_000 }, t1),
    );
    expect(restarted.noWindowReason).toBe('pod restarted (process start time changed): no rate yet');
    for (const w of [restarted, windowPod(undefined, vllm(after, t1))]) {
      expect('requestRatePerS' in w).toBe(false);
      expect('ttftMs' in w).toBe(false);
      expect('inputTokensMean' in w).toBe(false);
      expect(w.ratesPerS).toStrictEqual({});
      expect(w.deltas).toStrictEqual({});
      expect(w.gauges.runningRequests).toBe(20); // gauges need no window
    }
    expect(windowPod(undefined, vllm(after, t1)).noWindowReason).toBe(
      'first scrape of this pod: no rate yet',
    );
    const same = windowPod(vllm({ ...before, startS: 1_000 }, t0), vllm({ ...after, startS: 1_000 }, t1));
    expect(same.requestRatePerS).toBe(2);
  });

  it('gives a known zero request rate and unknown latency and lengths in a window without traffic', () => {
    const w = windowPod(vllm(after, t0), vllm(after, t1));
    expect(w.requestRatePerS).toBe(0);
    expect(w.ratesPerS.promptTokens).toBe(0);
    expect(w.deltas.ttftSeconds?.count).toBe(0);
    expect('ttftMs' in w).toBe(false);
    expect('inputTokensMean' in w).toBe(false);
    expect('outputTokensMean' in w).toBe(false);
  });

  it('refuses a window when the scrape time did not advance or the engine changed', () => {
    expect(windowPod(vllm(before, t1), vllm(after, t1)).noWindowReason).toBe('scrape time did not advance');
    const other: PodSample = { ...vllm(before, t0), engine: 'sglang' };
    expect(windowPod(other, vllm(after, t1)).noWindowReason).toBe('engine changed from sglang to vllm');
  });

  it('takes the current histogram as the increase when its bucket bounds changed', () => {
    const prev = {
      buckets: [
        { le: 1, count: 5 },
        { le: Infinity, count: 5 },
      ],
      count: 5,
      sum: 2,
    };
    const cur = {
      buckets: [
        { le: 2, count: 6 },
        { le: Infinity, count: 7 },
      ],
      count: 7,
      sum: 4,
    };
    expect(histogramIncrease(prev, cur)).toBe(cur);
  });
});

describe('windowPod per engine', () => {
  const dynamoWorker = (uptimeS: number, requests: number, durations: [number, number, number]) =>
    parse(
      [
        `dynamo_component_uptime_seconds ${uptimeS}`,
        `dynamo_component_requests_total${labelText({ dynamo_endpoint: 'generate', model: 'm' })} ${requests}`,
        ...histogramLines(
          'dynamo_component_request_duration_seconds',
          { dynamo_endpoint: 'generate', model: 'm' },
          [1, 10],
          { counts: durations, sum: durations[2] * 2 },
        ),
      ].join('\n') + '\n',
    );

  it('tolerates scrape jitter in a Dynamo start time derived from uptime, and sees a restart', () => {
    const first = sampleOf(dynamoFromPage(dynamoWorker(100, 40, [10, 40, 40]), { scrapedAtMs: t0 }));
    // 15 s later the uptime grew by 15.3 s: the derived start moved 300 ms, within tolerance.
    const next = sampleOf(dynamoFromPage(dynamoWorker(115.3, 70, [20, 70, 70]), { scrapedAtMs: t1 }));
    expect(Math.abs((next.startedAtMs ?? 0) - (first.startedAtMs ?? 0))).toBeLessThan(restartToleranceMs);
    const w = windowPod(first, next);
    expect(w.requestRatePerS).toBe(2); // 30 started requests in 15 s
    expect(w.requestSource).toBe('requestsStarted');
    expect(w.e2eMs?.count).toBe(30);
    // Uptime 5 s: the runtime restarted although the counter went up.
    const restarted = sampleOf(dynamoFromPage(dynamoWorker(5, 80, [1, 1, 1]), { scrapedAtMs: t1 }));
    expect(windowPod(first, restarted).noWindowReason).toBe(
      'pod restarted (process start time changed): no rate yet',
    );
  });

  it('uses SGLang token counters over finished requests for the mean lengths', () => {
    const sglang = (requests: number, prompt: number, generation: number, atMs: number) =>
      sampleOf(
        sglangFromPage(
          parse(
            [
              `sglang:num_requests_total{model_name="m"} ${requests}`,
              `sglang:prompt_tokens_total{model_name="m"} ${prompt}`,
              `sglang:generation_tokens_total{model_name="m"} ${generation}`,
            ].join('\n') + '\n',
          ),
          { scrapedAtMs: atMs },
        ),
      );
    const w = windowPod(sglang(10, 1_000, 500, t0), sglang(14, 1_800, 900, t1));
    expect(w.inputTokensMean).toBe(200); // 800 / 4
    expect(w.outputTokensMean).toBe(100); // 400 / 4
    expect(w.requestRatePerS).toBe(4 / 15);
  });

  it('counts E2E observations as requests on old SGLang without num_requests_total', () => {
    const old = (count: number, atMs: number) =>
      sampleOf(
        sglangFromPage(
          parse(
            histogramLines('sglang:e2e_request_latency_seconds', { model_name: 'm' }, [10], {
              counts: [count, count],
              sum: count,
            }).join('\n') + '\n',
          ),
          { scrapedAtMs: atMs },
        ),
      );
    const w = windowPod(old(100, t0), old(130, t1));
    expect(w.requestRatePerS).toBe(2);
    expect(w.requestSource).toBe('e2eCount');
  });
});
