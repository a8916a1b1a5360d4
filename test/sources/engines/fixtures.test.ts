// SPDX-License-Identifier: Apache-2.0
// The engine adapters on every real capture in data/fixtures/engine-metrics/. Expected values
// are read off the files by hand; "L123" cites the line. Quantiles are computed by hand with PromQL's
// interpolation: lower bound + (upper - lower) x (rank - count below) / count in the bucket.
import { describe, expect, it } from 'vitest';
import { fromPage as dynamoFromPage } from '../../../src/sources/engines/dynamo.js';
import { engineAdapters } from '../../../src/sources/engines/index.js';
import { fromPage as sglangFromPage } from '../../../src/sources/engines/sglang.js';
import { fromPage as vllmFromPage } from '../../../src/sources/engines/vllm.js';
import { latencySummary } from '../../../src/sources/engines/window.js';
import { fixture, reasonOf, sampleOf } from './pages.js';

const at = 1_768_264_400_000;
const b = (...pairs: [number, number][]) => pairs.map(([le, count]) => ({ le, count }));

describe('vLLM adapter on real captures', () => {
  it('reads the V1 capture behind Dynamo (vllm-dynamo-metrics-examples.prom)', () => {
    const s = sampleOf(vllmFromPage(fixture('vllm-dynamo-metrics-examples.prom'), { scrapedAtMs: at }));
    expect(s.engine).toBe('vllm');
    expect(s.scrapedAtMs).toBe(at);
    expect(s.counters).toStrictEqual({
      requestsFinished: 0 + 2 + 0 + 0, // L186-189, summed over finished_reason
      promptTokens: 66, // L174
      generationTokens: 600, // L180
      preemptions: 0, // L168
    });
    expect(s.gauges).toStrictEqual({
      waitingRequests: 0, // L121
      runningRequests: 0, // L118
      kvCacheUsage: 0, // L129 (new name; the page has no gpu_cache_usage_perc)
      kvCacheCapacity: 5943 * 16, // L571 num_gpu_blocks="5943", block_size="16"
    });
    // The earliest vllm:*_created series: L135 prefix_cache_queries_created.
    expect(s.startedAtMs).toBe(1.7682643398898673e9 * 1000);
    const h = s.histograms;
    expect(h.ttftSeconds?.count).toBe(2); // L343
    expect(h.ttftSeconds?.sum).toBe(0.4143967628479004); // L344
    expect(h.ttftSeconds?.buckets).toStrictEqual(
      // L320-342
      b(
        [0.001, 0],
        [0.005, 0],
        [0.01, 0],
        [0.02, 1],
        [0.04, 1],
        [0.06, 1],
        [0.08, 1],
        [0.1, 1],
        [0.25, 1],
        [0.5, 2],
        [0.75, 2],
        [1, 2],
        [2.5, 2],
        [5, 2],
        [7.5, 2],
        [10, 2],
        [20, 2],
        [40, 2],
        [80, 2],
        [160, 2],
        [640, 2],
        [2560, 2],
        [Infinity, 2],
      ),
    );
    // TPOT from the new name vllm:inter_token_latency_seconds, L370-371.
    expect([h.tpotSeconds?.count, h.tpotSeconds?.sum]).toStrictEqual([598, 3.1598554495722055]);
    expect([h.e2eSeconds?.count, h.e2eSeconds?.sum]).toStrictEqual([2, 3.5736520290374756]); // L426-427
    expect([h.queueTimeSeconds?.count, h.queueTimeSeconds?.sum]).toStrictEqual([2, 1.883227378129959e-5]); // L455-456
    expect([h.inputTokens?.count, h.inputTokens?.sum]).toStrictEqual([2, 66]); // L213-214
    expect([h.outputTokens?.count, h.outputTokens?.sum]).toStrictEqual([2, 600]); // L235-236
    expect(h.outputTokens?.buckets[8]).toStrictEqual({ le: 500, count: 2 }); // L228
  });

  it('gives PromQL quantiles of the V1 capture (since process start)', () => {
    const s = sampleOf(vllmFromPage(fixture('vllm-dynamo-metrics-examples.prom'), { scrapedAtMs: at }));
    const ttft = latencySummary(s.histograms.ttftSeconds);
    // p50: rank 1 of 2 falls in (0.01, 0.02] holding 1 (L322-323): 10 + 10 x 1/1 = 20 ms.
    expect(ttft?.quantilesMs.p50).toBeCloseTo(20, 9);
    // p90: rank 1.8 falls in (0.25, 0.5] holding 1 above 1 (L328-329): 250 + 250 x 0.8 = 450 ms.
    expect(ttft?.quantilesMs.p90).toBeCloseTo(450, 9);
    expect(ttft?.meanMs).toBeCloseTo((0.4143967628479004 / 2) * 1000, 9);
    const tpot = latencySummary(s.histograms.tpotSeconds);
    // p50: rank 299 of 598 is in the lowest bucket (0, 0.01] holding 597 (L350): 10 x 299/597 ms.
    expect(tpot?.quantilesMs.p50).toBeCloseTo((10 * 299) / 597, 9);
    // p99: rank 592.02 is still <= 597: 10 x 592.02/597 ms.
    expect(tpot?.quantilesMs.p99).toBeCloseTo((10 * 592.02) / 597, 9);
  });

  it('matches the model case-insensitively and says why when the model is absent', () => {
    const page = fixture('vllm-dynamo-metrics-examples.prom');
    const s = sampleOf(vllmFromPage(page, { scrapedAtMs: at, model: 'qwen/qwen3-0.6b' }));
    expect(s.counters.promptTokens).toBe(66);
    expect(reasonOf(vllmFromPage(page, { scrapedAtMs: at, model: 'meta-llama/Llama-3.1-8B' }))).toBe(
      'no vllm series for model "meta-llama/llama-3.1-8b" (the page has: Qwen/Qwen3-0.6B)',
    );
  });

  it('reads the V0 capture (vllm-v0-opt-125m-datadog.prom): old names, model_name only', () => {
    const s = sampleOf(vllmFromPage(fixture('vllm-v0-opt-125m-datadog.prom'), { scrapedAtMs: at }));
    expect(s.counters).toStrictEqual({
      requestsFinished: 1, // L172
      promptTokens: 5, // L60
      generationTokens: 7, // L63
      preemptions: 0, // L57
    });
    expect(s.gauges).toStrictEqual({
      waitingRequests: 0, // L45
      runningRequests: 0, // L42
      kvCacheUsage: 0, // L51 vllm:gpu_cache_usage_perc (old name)
      kvCacheCapacity: 7281 * 16, // L39 num_gpu_blocks="7281", block_size="16"
    });
    expect(s.startedAtMs).toBe(1.7181405583e9 * 1000); // L27 process_start_time_seconds
    const h = s.histograms;
    expect([h.ttftSeconds?.count, h.ttftSeconds?.sum]).toStrictEqual([1, 0.31326723098754883]); // L83-84
    // TPOT from the old name vllm:time_per_output_token_seconds, L101-102.
    expect([h.tpotSeconds?.count, h.tpotSeconds?.sum]).toStrictEqual([6, 0.19016313552856445]);
    expect([h.e2eSeconds?.count, h.e2eSeconds?.sum]).toStrictEqual([1, 0.5034303665161133]); // L116-117
    expect([h.inputTokens?.count, h.inputTokens?.sum]).toStrictEqual([1, 5]); // L132-133
    expect([h.outputTokens?.count, h.outputTokens?.sum]).toStrictEqual([1, 7]); // L148-149
    expect(h.queueTimeSeconds).toBeUndefined(); // V0 has no request_queue_time_seconds
    expect(h.tpotSeconds?.buckets.slice(0, 3)).toStrictEqual(b([0.01, 0], [0.025, 0], [0.05, 6])); // L87-89
    // TTFT p50: rank 0.5 in (0.25, 0.5] holding 1 (L74-75): 250 + 250 x 0.5 = 375 ms.
    expect(latencySummary(h.ttftSeconds)?.quantilesMs.p50).toBeCloseTo(375, 9);
    // TPOT p50: rank 3 of 6 in (0.025, 0.05] holding 6 (L88-89): 25 + 25 x 3/6 = 37.5 ms.
    expect(latencySummary(h.tpotSeconds)?.quantilesMs.p50).toBeCloseTo(37.5, 9);
  });
});

describe('SGLang adapter on real captures', () => {
  it('reads the Jan-2026 capture behind Dynamo (sglang-dynamo-metrics-examples.prom)', () => {
    const s = sampleOf(sglangFromPage(fixture('sglang-dynamo-metrics-examples.prom'), { scrapedAtMs: at }));
    expect(s.engine).toBe('sglang');
    expect(s.counters).toStrictEqual({
      requestsFinished: 1, // L331 sglang:num_requests_total
      promptTokens: 33, // L325
      generationTokens: 300, // L328
    });
    expect(s.gauges).toStrictEqual({
      waitingRequests: 0, // L160 sglang:num_queue_reqs
      runningRequests: 0, // L136
      kvCacheUsage: 0, // L142 sglang:token_usage
      kvCacheCapacity: 92962, // L172 sglang:max_total_num_tokens
      prefillBootstrapQueue: 0, // L181, older name sglang:num_prefill_prealloc_queue_reqs
      prefillInflightQueue: 0, // L184
      decodePreallocQueue: 0, // L187
      decodeTransferQueue: 0, // L190
    });
    expect(s.startedAtMs).toBeUndefined(); // multiprocess mode: no process collector, no _created
    const h = s.histograms;
    expect([h.ttftSeconds?.count, h.ttftSeconds?.sum]).toStrictEqual([1, 1.5573770999908447]); // L243, L223
    expect([h.tpotSeconds?.count, h.tpotSeconds?.sum]).toStrictEqual([299, 0.6138594150543213]); // L271, L246
    expect([h.e2eSeconds?.count, h.e2eSeconds?.sum]).toStrictEqual([1, 2.171226978302002]); // L298, L274
    expect([h.queueTimeSeconds?.count, h.queueTimeSeconds?.sum]).toStrictEqual([1, 0.0018392642959952354]); // L119, L81
    expect(h.inputTokens).toBeUndefined(); // tokens histograms not enabled on this server
    expect(h.tpotSeconds?.buckets.slice(0, 2)).toStrictEqual(b([0.002, 57], [0.004, 299])); // L247-248
    // ITL p50: rank 149.5 in (0.002, 0.004] holding 299 - 57 (L247-248): 2 + 2 x 92.5/242 ms.
    expect(latencySummary(h.tpotSeconds)?.quantilesMs.p50).toBeCloseTo(2 + (2 * (149.5 - 57)) / 242, 9);
    // TTFT p50: rank 0.5 in (1, 2] holding 1 (L229-230): 1500 ms.
    expect(latencySummary(h.ttftSeconds)?.quantilesMs.p50).toBeCloseTo(1500, 9);
  });

  it('reads the old docs capture under load (sglang-docs-production-metrics.prom)', () => {
    const s = sampleOf(sglangFromPage(fixture('sglang-docs-production-metrics.prom'), { scrapedAtMs: at }));
    expect(s.counters).toStrictEqual({
      promptTokens: 8.128902e6, // L3
      generationTokens: 7.557572e6, // L6
      // no sglang:num_requests_total in v0.3-0.4: requestsFinished stays absent
    });
    expect(s.gauges).toStrictEqual({
      waitingRequests: 2826, // L115
      runningRequests: 162, // L106
      kvCacheUsage: 0.28, // L9
    });
    const h = s.histograms;
    expect([h.ttftSeconds?.count, h.ttftSeconds?.sum]).toStrictEqual([11008, 2.3518979474117756e6]); // L37, L15
    // Old name sglang:time_per_output_token_seconds, L80 and L60.
    expect([h.tpotSeconds?.count, h.tpotSeconds?.sum]).toStrictEqual([7.400757e6, 866964.5791549598]);
    expect([h.e2eSeconds?.count, h.e2eSeconds?.sum]).toStrictEqual([11228, 3.116093850019932e6]); // L57, L40
    expect(h.queueTimeSeconds).toBeUndefined();
    // TTFT p50: rank 5504 > 2513 at le=30 (L35), so it lies in +Inf (L36): PromQL gives 30 s.
    expect(latencySummary(h.ttftSeconds)?.quantilesMs.p50).toBe(30_000);
    // TPOT p50: rank 3700378.5 in (0.075, 0.1] between 433413 (L69) and 4950195 (L70).
    expect(latencySummary(h.tpotSeconds)?.quantilesMs.p50).toBeCloseTo(
      75 + (25 * (3700378.5 - 433413)) / (4950195 - 433413),
      9,
    );
  });

  it('reads the early docs capture (sglang-docs-early-llama31-8b.prom), ignoring func_latency_seconds', () => {
    const s = sampleOf(sglangFromPage(fixture('sglang-docs-early-llama31-8b.prom'), { scrapedAtMs: at }));
    expect(s.counters).toStrictEqual({ promptTokens: 7, generationTokens: 8 }); // L3, L6
    expect(s.gauges).toStrictEqual({ waitingRequests: 0, runningRequests: 0, kvCacheUsage: 0 }); // L109, L100, L112
    const h = s.histograms;
    expect([h.ttftSeconds?.count, h.ttftSeconds?.sum]).toStrictEqual([1, 0.30457592010498047]); // L31, L9
    expect([h.tpotSeconds?.count, h.tpotSeconds?.sum]).toStrictEqual([1, 0.0381757915019989]); // L74, L54
    expect([h.e2eSeconds?.count, h.e2eSeconds?.sum]).toStrictEqual([1, 0.30521273612976074]); // L51, L34
    // TTFT p50 in (0.25, 0.5] (L18-19): 375 ms. TPOT p50 in (0.03, 0.04] (L60-61): 35 ms.
    expect(latencySummary(h.ttftSeconds)?.quantilesMs.p50).toBeCloseTo(375, 9);
    expect(latencySummary(h.tpotSeconds)?.quantilesMs.p50).toBeCloseTo(35, 9);
  });
});

describe('Dynamo adapter on real captures', () => {
  it('reads the frontend capture (dynamo-frontend-qwen3-0.6b.prom) with a lower-cased model', () => {
    const page = fixture('dynamo-frontend-qwen3-0.6b.prom');
    const s = sampleOf(dynamoFromPage(page, { scrapedAtMs: at, model: 'Qwen/Qwen3-0.6B' }));
    expect(s.engine).toBe('dynamo');
    expect(s.counters).toStrictEqual({
      requestsFinished: 1, // L98 (model="qwen/qwen3-0.6b")
      generationTokens: 300, // L77
    });
    expect(s.gauges).toStrictEqual({ frontendInflight: 0, frontendQueued: 0 }); // L6, L80
    expect(s.startedAtMs).toBeUndefined(); // the frontend page has no uptime gauge
    const h = s.histograms;
    expect([h.ttftSeconds?.count, h.ttftSeconds?.sum]).toStrictEqual([1, 1.5625701570000001]); // L121, L120
    expect([h.tpotSeconds?.count, h.tpotSeconds?.sum]).toStrictEqual([299, 0.6126917290000005]); // L41, L40
    expect([h.e2eSeconds?.count, h.e2eSeconds?.sum]).toStrictEqual([1, 2.177646729]); // L95, L94
    expect([h.inputTokens?.count, h.inputTokens?.sum]).toStrictEqual([1, 33]); // L23, L22
    expect([h.outputTokens?.count, h.outputTokens?.sum]).toStrictEqual([1, 300]); // L74, L73
    expect(h.tpotSeconds?.buckets).toStrictEqual(
      // L26-39: an le="0" bucket first, integers without ".0", le last
      b(
        [0, 0],
        [0.0019, 21],
        [0.0035, 298],
        [0.0067, 299],
        [0.013, 299],
        [0.024, 299],
        [0.045, 299],
        [0.084, 299],
        [0.16, 299],
        [0.3, 299],
        [0.56, 299],
        [1.1, 299],
        [2, 299],
        [Infinity, 299],
      ),
    );
    const itl = latencySummary(h.tpotSeconds);
    // p50: rank 149.5 in (0.0019, 0.0035] holding 298 - 21 = 277: 1.9 + 1.6 x 128.5/277 ms.
    expect(itl?.quantilesMs.p50).toBeCloseTo(1.9 + (1.6 * (149.5 - 21)) / 277, 9);
    // p99: rank 296.01, same bucket: 1.9 + 1.6 x 275.01/277 ms.
    expect(itl?.quantilesMs.p99).toBeCloseTo(1.9 + (1.6 * (296.01 - 21)) / 277, 9);
    // TTFT p50: rank 0.5 in (1, 2.2] (L110-111): 1000 + 1200 x 0.5 = 1600 ms.
    expect(latencySummary(h.ttftSeconds)?.quantilesMs.p50).toBeCloseTo(1600, 9);
  });

  it('reads the TRT-LLM worker capture (dynamo-trtllm-worker-qwen3-0.6b.prom)', () => {
    const s = sampleOf(
      dynamoFromPage(fixture('dynamo-trtllm-worker-qwen3-0.6b.prom'), {
        scrapedAtMs: at,
        model: 'Qwen/Qwen3-0.6B',
      }),
    );
    // The work handler counts requests on arrival: requestsStarted, L37.
    expect(s.counters).toStrictEqual({ requestsStarted: 2 });
    // L3 inflight; KV stats read total_blocks 0 (L15) with usage 0 (L9): not populated, so unknown.
    expect(s.gauges).toStrictEqual({ workerInflight: 0 });
    expect(s.startedAtMs).toBe(at - 59.045904334 * 1000); // L43 uptime
    const e2e = s.histograms.e2eSeconds;
    expect([e2e?.count, e2e?.sum]).toStrictEqual([2, 1.735419241]); // L34, L33
    expect(e2e?.buckets.slice(6, 8)).toStrictEqual(b([0.5, 0], [1, 2])); // L27-28
    // p50: rank 1 in (0.5, 1] holding 2: 500 + 500 x 1/2 = 750 ms.
    expect(latencySummary(e2e)?.quantilesMs.p50).toBeCloseTo(750, 9);
    expect(s.histograms.ttftSeconds).toBeUndefined(); // trtllm_* families are not Dynamo's own
  });

  it('reads the runtime families of the vLLM worker capture, generate endpoint only', () => {
    const s = sampleOf(dynamoFromPage(fixture('vllm-dynamo-metrics-examples.prom'), { scrapedAtMs: at }));
    // L102 generate = 2; clear_kv_blocks/list_loras/load_lora/unload_lora (L101, L103-105) are 0 anyway
    // but are control endpoints and never count.
    expect(s.counters).toStrictEqual({ requestsStarted: 2 });
    expect(s.gauges).toStrictEqual({
      workerInflight: 0, // L4
      kvCacheUsage: 0, // L13, next to total_blocks 5943 (L19): a real idle 0
      kvCacheCapacity: 5943, // L19, blocks
    });
    expect(s.startedAtMs).toBe(at - 69.555781023 * 1000); // L115
    expect([s.histograms.e2eSeconds?.count, s.histograms.e2eSeconds?.sum]).toStrictEqual([2, 3.577071288]); // L56, L55
  });

  it('leaves KV usage unknown on the SGLang worker capture, whose kvstats were never populated', () => {
    const s = sampleOf(dynamoFromPage(fixture('sglang-dynamo-metrics-examples.prom'), { scrapedAtMs: at }));
    expect(s.counters).toStrictEqual({ requestsStarted: 1 }); // L37
    expect(s.gauges).toStrictEqual({ workerInflight: 0 }); // L3; L9 usage 0 with L15 total_blocks 0
    expect(s.startedAtMs).toBe(at - 110.243679307 * 1000); // L43
  });
});

describe('an adapter on another engine page', () => {
  it.each([
    { engine: 'vllm', file: 'sglang-docs-production-metrics.prom', reason: 'no vllm:* samples on the page' },
    { engine: 'sglang', file: 'vllm-v0-opt-125m-datadog.prom', reason: 'no sglang:* samples on the page' },
    {
      engine: 'dynamo',
      file: 'sglang-docs-early-llama31-8b.prom',
      reason: 'no dynamo_frontend_* or dynamo_component_* samples on the page',
    },
  ] as const)('$engine on $file says so', ({ engine, file, reason }) => {
    expect(reasonOf(engineAdapters[engine](fixture(file), { scrapedAtMs: at }))).toBe(reason);
  });
});
