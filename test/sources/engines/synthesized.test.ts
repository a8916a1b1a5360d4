// SPDX-License-Identifier: Apache-2.0
// Synthesized pages for what the captures do not show: renamed families (old only, old and new),
// vLLM data-parallel engines, SGLang TP/DP ranks and priorities, PD queue renames, Dynamo label rules.
import { describe, expect, it } from 'vitest';
import { fromPage as dynamoFromPage } from '../../../src/sources/engines/dynamo.js';
import { fromPage as sglangFromPage } from '../../../src/sources/engines/sglang.js';
import { fromPage as vllmFromPage } from '../../../src/sources/engines/vllm.js';
import { histogramLines, labelText, parse, reasonOf, sampleOf } from './pages.js';

const at = 1_000_000;
const page = (...lines: (string | string[])[]) => parse(lines.flat().join('\n') + '\n');
const b = (...pairs: [number, number][]) => pairs.map(([le, count]) => ({ le, count }));

describe('vLLM renamed families', () => {
  const l = { engine: '0', model_name: 'm' };
  const oldTpot = histogramLines('vllm:time_per_output_token_seconds', l, [0.01, 0.05], {
    counts: [3, 9, 10],
    sum: 0.2,
  });
  const newItl = histogramLines('vllm:inter_token_latency_seconds', l, [0.01, 0.05], {
    counts: [1, 4, 4],
    sum: 0.07,
  });

  it('reads the old names alone (gpu_cache_usage_perc, time_per_output_token_seconds)', () => {
    const s = sampleOf(
      vllmFromPage(page(`vllm:gpu_cache_usage_perc${labelText(l)} 0.42`, oldTpot), { scrapedAtMs: at }),
    );
    expect(s.gauges.kvCacheUsage).toBe(0.42);
    expect(s.histograms.tpotSeconds?.toJSON()).toStrictEqual({
      buckets: b([0.01, 3], [0.05, 9], [Infinity, 10]),
      count: 10,
      sum: 0.2,
    });
  });

  it('prefers the new names when a page exports both (hidden metrics re-enabled)', () => {
    const s = sampleOf(
      vllmFromPage(
        page(
          `vllm:gpu_cache_usage_perc${labelText(l)} 0.9`,
          `vllm:kv_cache_usage_perc${labelText(l)} 0.5`,
          oldTpot,
          newItl,
        ),
        { scrapedAtMs: at },
      ),
    );
    expect(s.gauges.kvCacheUsage).toBe(0.5); // not 0.9, not 1.4
    expect(s.histograms.tpotSeconds?.toJSON()).toStrictEqual({
      buckets: b([0.01, 1], [0.05, 4], [Infinity, 4]),
      count: 4, // not 10, not 14
      sum: 0.07,
    });
  });

  it('sums counts over data-parallel engines 0 and 1 and averages the KV fraction', () => {
    const e0 = { engine: '0', model_name: 'm' };
    const e1 = { engine: '1', model_name: 'm' };
    const s = sampleOf(
      vllmFromPage(
        page(
          `vllm:num_requests_waiting${labelText(e0)} 3`,
          `vllm:num_requests_waiting${labelText(e1)} 4`,
          `vllm:num_requests_running${labelText(e0)} 10`,
          `vllm:num_requests_running${labelText(e1)} 12`,
          `vllm:kv_cache_usage_perc${labelText(e0)} 0.2`,
          `vllm:kv_cache_usage_perc${labelText(e1)} 0.6`,
          `vllm:request_success_total${labelText({ ...e0, finished_reason: 'stop' })} 100`,
          `vllm:request_success_total${labelText({ ...e0, finished_reason: 'length' })} 5`,
          `vllm:request_success_total${labelText({ ...e1, finished_reason: 'stop' })} 90`,
          `vllm:prompt_tokens_total${labelText(e0)} 1000`,
          `vllm:prompt_tokens_total${labelText(e1)} 2000`,
          `vllm:cache_config_info${labelText({ block_size: '16', engine: '0', num_gpu_blocks: '100' })} 1`,
          `vllm:cache_config_info${labelText({ block_size: '16', engine: '1', num_gpu_blocks: '100' })} 1`,
          histogramLines('vllm:time_to_first_token_seconds', e0, [0.1, 1], { counts: [5, 8, 8], sum: 2 }),
          histogramLines('vllm:time_to_first_token_seconds', e1, [0.1, 1], { counts: [1, 6, 7], sum: 9 }),
        ),
        { scrapedAtMs: at },
      ),
    );
    expect(s.counters).toStrictEqual({ requestsFinished: 195, promptTokens: 3000 });
    expect(s.gauges).toStrictEqual({
      waitingRequests: 7,
      runningRequests: 22,
      kvCacheUsage: (0.2 + 0.6) / 2,
      kvCacheCapacity: 2 * 100 * 16,
    });
    expect(s.histograms.ttftSeconds?.toJSON()).toStrictEqual({
      buckets: b([0.1, 6], [1, 14], [Infinity, 15]),
      count: 15,
      sum: 11,
    });
  });

  it('counts only the filtered model on a page serving two, and ignores the unprofiled "None" cache', () => {
    const s = sampleOf(
      vllmFromPage(
        page(
          `vllm:num_requests_running${labelText({ engine: '0', model_name: 'a' })} 1`,
          `vllm:num_requests_running${labelText({ engine: '0', model_name: 'b' })} 20`,
          `vllm:cache_config_info${labelText({ block_size: '16', engine: '0', num_gpu_blocks: 'None' })} 1`,
        ),
        { scrapedAtMs: at, model: 'B' },
      ),
    );
    expect(s.gauges).toStrictEqual({ runningRequests: 20 });
  });

  it('skips NaN samples instead of summing them', () => {
    const s = sampleOf(
      vllmFromPage(
        page(
          `vllm:num_requests_waiting${labelText({ engine: '0', model_name: 'm' })} NaN`,
          `vllm:num_requests_waiting${labelText({ engine: '1', model_name: 'm' })} 2`,
          `vllm:num_requests_running${labelText({ engine: '0', model_name: 'm' })} NaN`,
        ),
        { scrapedAtMs: at },
      ),
    );
    expect(s.gauges).toStrictEqual({ waitingRequests: 2 });
  });
});

describe('SGLang ranks, renames and PD queues', () => {
  const sched = (extra: Record<string, string>) =>
    labelText({ engine_type: 'decode', model_name: 'm', moe_ep_rank: '0', pp_rank: '0', ...extra });

  it('reads the old TPOT name, and the new one when both exist', () => {
    const old = histogramLines('sglang:time_per_output_token_seconds', { model_name: 'm' }, [0.05], {
      counts: [6, 8],
      sum: 0.3,
    });
    const itl = histogramLines('sglang:inter_token_latency_seconds', { model_name: 'm' }, [0.05], {
      counts: [2, 2],
      sum: 0.04,
    });
    expect(sampleOf(sglangFromPage(page(old), { scrapedAtMs: at })).histograms.tpotSeconds?.count).toBe(8);
    expect(sampleOf(sglangFromPage(page(old, itl), { scrapedAtMs: at })).histograms.tpotSeconds?.count).toBe(
      2,
    );
  });

  it('counts a scheduler reported by tp_rank 0..3 once, not four times', () => {
    const ranks = ['0', '1', '2', '3'];
    const s = sampleOf(
      sglangFromPage(
        page(
          ranks.map((tp) => `sglang:num_running_reqs${sched({ tp_rank: tp })} 7`),
          ranks.map((tp) => `sglang:num_queue_reqs${sched({ tp_rank: tp })} 2`),
          ranks.map((tp) => `sglang:token_usage${sched({ tp_rank: tp })} 0.3`),
          ranks.map((tp) => `sglang:max_total_num_tokens${sched({ tp_rank: tp })} 1000`),
          // A stale rank-1 value differs: the leader's (rank 0) is the one kept.
          ranks.map(
            (tp) => `sglang:num_decode_transfer_queue_reqs${sched({ tp_rank: tp })} ${tp === '1' ? 9 : 1}`,
          ),
          ranks.flatMap((tp) =>
            histogramLines(
              'sglang:queue_time_seconds',
              { engine_type: 'decode', model_name: 'm', tp_rank: tp },
              [0.1, 1],
              { counts: [1, 3, 4], sum: 2.5 },
            ),
          ),
        ),
        { scrapedAtMs: at },
      ),
    );
    expect(s.gauges).toStrictEqual({
      runningRequests: 7,
      waitingRequests: 2,
      kvCacheUsage: 0.3,
      kvCacheCapacity: 1000,
      decodeTransferQueue: 1,
    });
    expect(s.histograms.queueTimeSeconds?.toJSON()).toStrictEqual({
      buckets: b([0.1, 1], [1, 3], [Infinity, 4]),
      count: 4,
      sum: 2.5,
    });
  });

  it('keeps a series without tp_rank as the leader when ranked duplicates also exist', () => {
    const s = sampleOf(
      sglangFromPage(
        page(
          `sglang:num_running_reqs${labelText({ model_name: 'm' })} 5`,
          `sglang:num_running_reqs${labelText({ model_name: 'm', tp_rank: '1' })} 5`,
        ),
        { scrapedAtMs: at },
      ),
    );
    expect(s.gauges.runningRequests).toBe(5);
  });

  it('sums distinct DP schedulers (dp_rank 0 and 1, each reported by two TP ranks)', () => {
    const s = sampleOf(
      sglangFromPage(
        page(
          `sglang:num_running_reqs${sched({ dp_rank: '0', tp_rank: '0' })} 5`,
          `sglang:num_running_reqs${sched({ dp_rank: '0', tp_rank: '1' })} 5`,
          `sglang:num_running_reqs${sched({ dp_rank: '1', tp_rank: '2' })} 7`,
          `sglang:num_running_reqs${sched({ dp_rank: '1', tp_rank: '3' })} 7`,
          `sglang:token_usage${sched({ dp_rank: '0', tp_rank: '0' })} 0.2`,
          `sglang:token_usage${sched({ dp_rank: '0', tp_rank: '1' })} 0.2`,
          `sglang:token_usage${sched({ dp_rank: '1', tp_rank: '2' })} 0.4`,
          `sglang:token_usage${sched({ dp_rank: '1', tp_rank: '3' })} 0.4`,
        ),
        { scrapedAtMs: at },
      ),
    );
    expect(s.gauges.runningRequests).toBe(12);
    expect(s.gauges.kvCacheUsage).toBeCloseTo(0.3, 12);
  });

  it('counts only the priority totals (priority="") under priority scheduling', () => {
    const s = sampleOf(
      sglangFromPage(
        page(
          `sglang:num_queue_reqs${sched({ priority: '', tp_rank: '0' })} 10`,
          `sglang:num_queue_reqs${sched({ priority: '1', tp_rank: '0' })} 4`,
          `sglang:num_queue_reqs${sched({ priority: '2', tp_rank: '0' })} 6`,
        ),
        { scrapedAtMs: at },
      ),
    );
    expect(s.gauges.waitingRequests).toBe(10);
  });

  it('reads the PD queues, preferring num_prefill_bootstrap_queue_reqs over the older prealloc name', () => {
    const prefill = (extra: Record<string, string>) =>
      labelText({ engine_type: 'prefill', model_name: 'm', tp_rank: '0', ...extra });
    const both = page(
      `sglang:num_prefill_bootstrap_queue_reqs${prefill({})} 3`,
      `sglang:num_prefill_prealloc_queue_reqs${prefill({})} 9`,
      `sglang:num_prefill_inflight_queue_reqs${prefill({})} 1`,
      `sglang:num_decode_prealloc_queue_reqs${prefill({})} 4`,
      `sglang:num_decode_transfer_queue_reqs${prefill({})} 2`,
    );
    expect(sampleOf(sglangFromPage(both, { scrapedAtMs: at })).gauges).toStrictEqual({
      prefillBootstrapQueue: 3,
      prefillInflightQueue: 1,
      decodePreallocQueue: 4,
      decodeTransferQueue: 2,
    });
    const oldOnly = page(`sglang:num_prefill_prealloc_queue_reqs${prefill({})} 9`);
    expect(sampleOf(sglangFromPage(oldOnly, { scrapedAtMs: at })).gauges).toStrictEqual({
      prefillBootstrapQueue: 9,
    });
  });
});

describe('Dynamo label rules', () => {
  it('matches the lower-cased request model and skips other models', () => {
    const p = page(
      `dynamo_frontend_requests_total${labelText({ endpoint: 'chat_completions', model: 'qwen/qwen3-0.6b', status: 'success' })} 10`,
      `dynamo_frontend_requests_total${labelText({ endpoint: 'chat_completions', model: 'qwen/qwen3-0.6b', status: 'error' })} 2`,
      `dynamo_frontend_requests_total${labelText({ endpoint: 'chat_completions', model: 'other/model', status: 'success' })} 50`,
      `dynamo_frontend_queued_requests${labelText({ model: 'qwen/qwen3-0.6b' })} 3`,
      `dynamo_frontend_queued_requests${labelText({ model: 'other/model' })} 30`,
      `dynamo_frontend_disconnected_clients 1`,
    );
    const s = sampleOf(dynamoFromPage(p, { scrapedAtMs: at, model: 'Qwen/Qwen3-0.6B' }));
    expect(s.counters).toStrictEqual({ requestsFinished: 12 });
    expect(s.gauges).toStrictEqual({ frontendQueued: 3 });
    expect(reasonOf(dynamoFromPage(p, { scrapedAtMs: at, model: 'x' }))).toBe(
      'no dynamo series for model "x" (the page has: other/model, qwen/qwen3-0.6b)',
    );
  });

  it('counts only the generate endpoint of a worker and prefers the newest KV gauges', () => {
    const w = (endpoint: string) =>
      labelText({
        dynamo_component: 'backend',
        dynamo_endpoint: endpoint,
        dynamo_namespace: 'ns',
        model: 'M',
      });
    const kv = (dp: string) => labelText({ dynamo_component: 'backend', dp_rank: dp, model: 'M' });
    const s = sampleOf(
      dynamoFromPage(
        page(
          `dynamo_component_requests_total${w('generate')} 5`,
          `dynamo_component_requests_total${w('clear_kv_blocks')} 3`,
          `dynamo_component_inflight_requests${w('generate')} 2`,
          `dynamo_component_inflight_requests${w('load_lora')} 1`,
          `dynamo_component_gpu_cache_usage_percent${kv('0')} 0.5`,
          `dynamo_component_gpu_cache_usage_percent${kv('1')} 0.7`,
          `dynamo_component_total_blocks${kv('0')} 100`,
          `dynamo_component_total_blocks${kv('1')} 100`,
          `dynamo_component_kvstats_gpu_cache_usage_percent{dynamo_component="backend"} 0.99`,
          `dynamo_component_kvstats_total_blocks{dynamo_component="backend"} 7`,
        ),
        { scrapedAtMs: at },
      ),
    );
    expect(s.counters).toStrictEqual({ requestsStarted: 5 });
    expect(s.gauges.workerInflight).toBe(2);
    expect(s.gauges.kvCacheUsage).toBeCloseTo(0.6, 12);
    expect(s.gauges.kvCacheCapacity).toBe(200);
  });

  it('reads the newest requests_started_total and active_requests names on a frontend', () => {
    const m = labelText({ model: 'm' });
    const s = sampleOf(
      dynamoFromPage(
        page(
          `dynamo_frontend_requests_started_total${labelText({ endpoint: 'completions', model: 'm', request_type: 'stream' })} 9`,
          `dynamo_frontend_active_requests${m} 4`,
        ),
        { scrapedAtMs: at },
      ),
    );
    expect(s.counters).toStrictEqual({ requestsStarted: 9 });
    expect(s.gauges).toStrictEqual({ frontendInflight: 4 });
  });
});
