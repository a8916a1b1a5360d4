// SPDX-License-Identifier: Apache-2.0
// Each simulated engine serves vLLM's `/metrics`; the backtest's systems read it back through the
// real parser, the vLLM adapter and the RoleCollector. These tests check that what comes back is
// what the simulator did.
import { describe, expect, it } from 'vitest';
import { Fleet } from '../../../src/sim/fleet/fleet.js';
import { FleetMetricsReader } from '../../../src/sim/metrics-reader.js';
import { parseExposition } from '../../../src/sources/exposition/parse.js';
import {
  burst,
  evenlyPaced,
  expectWithin,
  fleetOptions,
  maxKvTokens,
  modelName,
  readPage,
  runToEnd,
  seededTrace,
} from '../helpers.js';

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

describe('a replica page read through the real parser and vLLM adapter', () => {
  it('parses as a Prometheus exposition with the vLLM families', () => {
    const fleet = new Fleet(fleetOptions(), []);
    const body = fleet.renderPage(fleet.readyKeys('prefill')[0]!)!;
    const parsed = parseExposition(body);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect([...parsed.page.families.keys()]).toEqual(
      expect.arrayContaining([
        'vllm:num_requests_running',
        'vllm:num_requests_waiting',
        'vllm:kv_cache_usage_perc',
        'vllm:cache_config_info',
        'vllm:request_success_total',
        'vllm:time_to_first_token_seconds',
        'vllm:inter_token_latency_seconds',
      ]),
    );
  });

  it('shows a prefill replica batch, queue, KV use, cache size and start time while it works', () => {
    // Budget 8,192: the first 5,000-token prompt runs alone, the other two wait.
    const startMs = Date.UTC(2026, 0, 5, 0, 0, 0);
    const fleet = new Fleet(fleetOptions({ startMs }), burst(3, { inputTokens: 5000, outputTokens: 2 }));
    fleet.runUntil(startMs);
    const sample = readPage(fleet, fleet.readyKeys('prefill')[0]!);
    expect(sample.gauges.runningRequests).toBe(1);
    expect(sample.gauges.waitingRequests).toBe(2);
    expect(sample.gauges.kvCacheUsage).toBeCloseTo(5000 / maxKvTokens, 12);
    // num_gpu_blocks = floor(945,029 / 16) = 59,064 blocks of 16 tokens.
    expect(sample.gauges.kvCacheCapacity).toBe(59_064 * 16);
    expect(sample.startedAtMs).toBe(startMs);
  });

  it('counts what the prefill replica finished: requests, prompt tokens, one token each, ISLs', () => {
    const trace = seededTrace(3, 200, 10);
    const fleet = new Fleet(fleetOptions(), trace);
    runToEnd(fleet);
    const { counters, gauges, histograms } = readPage(fleet, fleet.readyKeys('prefill')[0]!);
    const promptTokens = sum(trace.map((r) => r.inputTokens));
    expect(counters).toMatchObject({ requestsFinished: 200, promptTokens, generationTokens: 200 });
    expect(gauges).toMatchObject({ runningRequests: 0, waitingRequests: 0, kvCacheUsage: 0 });
    expect(histograms.inputTokens).toMatchObject({ count: 200, sum: promptTokens });
    expect(histograms.outputTokens).toMatchObject({ count: 200, sum: 200 });
    expect(histograms.ttftSeconds?.count).toBe(200);
  });

  it('counts what the decode replica finished: requests, tokens, client TTFTs and one ITL per token gap', () => {
    const trace = seededTrace(5, 200, 10);
    const fleet = new Fleet(fleetOptions(), trace);
    runToEnd(fleet);
    const { counters, gauges, histograms } = readPage(fleet, fleet.readyKeys('decode')[0]!);
    const gaps = sum(trace.map((r) => r.outputTokens - 1));
    expect(counters.requestsFinished).toBe(200);
    expect(counters.promptTokens).toBe(sum(trace.map((r) => r.inputTokens)));
    expect(counters.generationTokens).toBeCloseTo(gaps, 3);
    expect(gauges).toMatchObject({ runningRequests: 0, waitingRequests: 0 });
    expect(gauges.kvCacheUsage).toBeCloseTo(0, 9);
    expect(histograms.outputTokens).toMatchObject({ count: 200, sum: sum(trace.map((r) => r.outputTokens)) });
    expect(histograms.tpotSeconds?.count).toBeCloseTo(gaps, 3);
    expect(histograms.ttftSeconds?.count).toBe(200);
    expect(histograms.ttftSeconds?.sum).toBeCloseTo(sum(Array.from(fleet.log.ttftMs)) / 1000, 6);
  });
});

describe('the fleet read through FleetMetricsReader', () => {
  it('gives the prefill role the trace arrival rate and mean ISL over a 15 s window of steady load', async () => {
    // 10 requests/s, ISLs alternating 1,000 and 3,000 (mean 2,000), on 2 + 2 replicas.
    const trace = evenlyPaced({ ratePerS: 10, durationS: 120, inputTokens: [1000, 3000], outputTokens: 50 });
    const fleet = new Fleet(fleetOptions({ initialReplicas: { prefill: 2, decode: 2 } }), trace);
    const reader = new FleetMetricsReader(fleet, modelName);
    fleet.runUntil(60_000);
    await reader.read();
    fleet.runUntil(75_000);
    const { prefill } = await reader.read();
    expectWithin(prefill.observation.requestRatePerS?.value ?? NaN, 10, 0.1);
    expectWithin(prefill.observation.inputTokensMean?.value ?? NaN, 2000, 0.1);
    expect(prefill.observation.readyReplicas?.value).toBe(2);
  });
});
