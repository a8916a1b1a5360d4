// SPDX-License-Identifier: Apache-2.0
// vLLM `/metrics` -> PodSample (reference docs/reference.md §C.1). V1 labels every series
// with `model_name` and `engine` (the data-parallel EngineCore index): counts are SUMMED over
// `engine`, the KV-cache fraction is AVERAGED over it. V0 (<= 0.7) has only `model_name`. Renamed
// families are read newest first, so a page with both names counts once:
//   vllm:kv_cache_usage_perc            <- vllm:gpu_cache_usage_perc (deprecated 0.9)
//   vllm:inter_token_latency_seconds    <- vllm:time_per_output_token_seconds (deprecated 0.11)
//
// | PodSample field              | vLLM metric                                                      |
// | ---------------------------- | ---------------------------------------------------------------- |
// | counters.requestsFinished    | vllm:request_success_total (sum over finished_reason)           |
// | counters.promptTokens        | vllm:prompt_tokens_total                                         |
// | counters.generationTokens    | vllm:generation_tokens_total                                     |
// | counters.preemptions         | vllm:num_preemptions_total                                       |
// | gauges.waitingRequests       | vllm:num_requests_waiting                                        |
// | gauges.runningRequests       | vllm:num_requests_running                                        |
// | gauges.kvCacheUsage          | vllm:kv_cache_usage_perc, else vllm:gpu_cache_usage_perc (mean)  |
// | gauges.kvCacheCapacity       | vllm:cache_config_info num_gpu_blocks x block_size (tokens)      |
// | histograms.ttftSeconds       | vllm:time_to_first_token_seconds                                 |
// | histograms.tpotSeconds       | vllm:inter_token_latency_seconds, else ..._time_per_output_token_seconds |
// | histograms.e2eSeconds        | vllm:e2e_request_latency_seconds                                 |
// | histograms.queueTimeSeconds  | vllm:request_queue_time_seconds (V1 only)                        |
// | histograms.inputTokens       | vllm:request_prompt_tokens                                       |
// | histograms.outputTokens      | vllm:request_generation_tokens                                   |
// | startedAtMs                  | process_start_time_seconds, else the earliest vllm:*_created     |
// Not exported by vLLM: requestsStarted, the PD queues, Dynamo gauges.
import type { ExpositionPage } from '../exposition/types.js';
import type { FromPageOptions, PodSampleResult } from './pod-sample.js';
import { PageReader, readFields, setDefined, type EngineSpec } from './series.js';

const cacheConfigInfo = 'vllm:cache_config_info';

function isCreatedName(name: string): boolean {
  return name.startsWith('vllm:') && name.endsWith('_created');
}

export const vllmSpec: EngineSpec = {
  engine: 'vllm',
  prefixes: ['vllm:'],
  extraNames: ['process_start_time_seconds'],
  // Dynamo re-exports vLLM's families with an added `model` label; `model_name` is vLLM's own.
  modelLabels: ['model_name', 'model'],
  alsoReads: (name) => name === cacheConfigInfo || isCreatedName(name),
  counters: {
    requestsFinished: ['vllm:request_success_total'],
    promptTokens: ['vllm:prompt_tokens_total'],
    generationTokens: ['vllm:generation_tokens_total'],
    preemptions: ['vllm:num_preemptions_total'],
  },
  gauges: {
    waitingRequests: { names: ['vllm:num_requests_waiting'], combine: 'sum' },
    runningRequests: { names: ['vllm:num_requests_running'], combine: 'sum' },
    kvCacheUsage: { names: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'], combine: 'mean' },
  },
  histograms: {
    ttftSeconds: ['vllm:time_to_first_token_seconds'],
    tpotSeconds: ['vllm:inter_token_latency_seconds', 'vllm:time_per_output_token_seconds'],
    e2eSeconds: ['vllm:e2e_request_latency_seconds'],
    queueTimeSeconds: ['vllm:request_queue_time_seconds'],
    inputTokens: ['vllm:request_prompt_tokens'],
    outputTokens: ['vllm:request_generation_tokens'],
  },
};

/** Normalizes one vLLM pod's page. */
export function fromPage(page: ExpositionPage, options: FromPageOptions): PodSampleResult {
  const reader = new PageReader(page, vllmSpec, options.model);
  if (!reader.hasEngineSamples()) return { ok: false, reason: 'no vllm:* samples on the page' };
  const { counters, gauges, histograms } = readFields(reader, vllmSpec);
  setDefined(gauges, 'kvCacheCapacity', kvCapacityTokens(reader));
  const startedAtMs = startTimeMs(reader);
  const mismatch = reader.modelMismatch();
  if (mismatch !== undefined) return { ok: false, reason: mismatch };
  return {
    ok: true,
    sample: {
      engine: 'vllm',
      scrapedAtMs: options.scrapedAtMs,
      ...(startedAtMs === undefined ? {} : { startedAtMs }),
      counters,
      gauges,
      histograms,
    },
  };
}

/** KV cache tokens: `num_gpu_blocks x block_size` of `vllm:cache_config_info`, summed over engines. */
function kvCapacityTokens(reader: PageReader): number | undefined {
  let total: number | undefined;
  for (const sample of reader.select(cacheConfigInfo)) {
    const blocks = Number(sample.labels.num_gpu_blocks);
    const blockSize = Number(sample.labels.block_size);
    if (!(blocks > 0) || !(blockSize > 0)) continue; // "None" before the profiling run
    total = (total ?? 0) + blocks * blockSize;
  }
  return total;
}

/**
 * The process start: `process_start_time_seconds` when the page has the process collector, else the
 * earliest `_created` timestamp (prometheus_client sets it when the engine's metrics are created;
 * absent in multiprocess mode).
 */
function startTimeMs(reader: PageReader): number | undefined {
  const start = reader.sum(['process_start_time_seconds']);
  if (start !== undefined) return start * 1000;
  let earliest = Infinity;
  for (const name of createdNames(reader)) {
    for (const sample of reader.select(name)) earliest = Math.min(earliest, sample.value);
  }
  return Number.isFinite(earliest) ? earliest * 1000 : undefined;
}

function createdNames(reader: PageReader): string[] {
  return reader.names().filter(isCreatedName);
}
