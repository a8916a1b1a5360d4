// SPDX-License-Identifier: Apache-2.0
// SGLang `/metrics` -> PodSample (reference docs/reference.md §C.2). Scheduler series carry
// `tp_rank`, `pp_rank`, `moe_ep_rank` (and `pid` on two gauges): every rank of one scheduler may
// report the same numbers, so of each group of series that differ only in those labels the leader
// (lowest ranks; `tp_rank="0"` or no rank label at all) is kept, never the sum. Series that differ in
// `dp_rank` are distinct schedulers and are summed (fractions averaged). With priority scheduling
// only the totals (`priority=""`) count. Tokenizer-side series (TTFT, ITL, E2E, token counters) carry
// `model_name` only. Renames are read newest first:
//   sglang:inter_token_latency_seconds     <- sglang:time_per_output_token_seconds
//   sglang:num_prefill_bootstrap_queue_reqs <- sglang:num_prefill_prealloc_queue_reqs
//
// | PodSample field                | SGLang metric                                                  |
// | ------------------------------ | -------------------------------------------------------------- |
// | counters.requestsFinished      | sglang:num_requests_total (counted at finish; absent in v0.3-0.4) |
// | counters.promptTokens          | sglang:prompt_tokens_total                                     |
// | counters.generationTokens      | sglang:generation_tokens_total                                 |
// | counters.preemptions           | sglang:num_retracted_requests_total (newest only)              |
// | gauges.waitingRequests         | sglang:num_queue_reqs                                          |
// | gauges.runningRequests         | sglang:num_running_reqs                                        |
// | gauges.kvCacheUsage            | sglang:token_usage (mean over dp ranks)                        |
// | gauges.kvCacheCapacity         | sglang:max_total_num_tokens (tokens)                           |
// | gauges.prefillBootstrapQueue   | sglang:num_prefill_bootstrap_queue_reqs, else ..._prealloc_... |
// | gauges.prefillInflightQueue    | sglang:num_prefill_inflight_queue_reqs                         |
// | gauges.decodePreallocQueue     | sglang:num_decode_prealloc_queue_reqs                          |
// | gauges.decodeTransferQueue     | sglang:num_decode_transfer_queue_reqs                          |
// | histograms.ttftSeconds         | sglang:time_to_first_token_seconds                             |
// | histograms.tpotSeconds         | sglang:inter_token_latency_seconds, else ..._time_per_output_token_seconds |
// | histograms.e2eSeconds          | sglang:e2e_request_latency_seconds                             |
// | histograms.queueTimeSeconds    | sglang:queue_time_seconds                                      |
// | histograms.inputTokens         | sglang:prompt_tokens_histogram (only with tokens histograms on) |
// | histograms.outputTokens        | sglang:generation_tokens_histogram (idem)                      |
// | startedAtMs                    | process_start_time_seconds (absent in multiprocess mode)       |
// Not exported by SGLang: requestsStarted, Dynamo gauges.
import type { ExpositionPage, Labels, Sample } from '../exposition/types.js';
import type { FromPageOptions, PodSampleResult } from './pod-sample.js';
import { leaderSeries, PageReader, readFields, type EngineSpec } from './series.js';

/** Labels that tell apart the ranks of ONE scheduler (not distinct schedulers). */
export const sglangRankLabels = ['tp_rank', 'pp_rank', 'moe_ep_rank', 'pid'] as const;

export const sglangSpec: EngineSpec = {
  engine: 'sglang',
  prefixes: ['sglang:'],
  extraNames: ['process_start_time_seconds'],
  modelLabels: ['model_name', 'model'],
  where: (labels: Labels) => labels.priority === undefined || labels.priority === '',
  dedupe: (samples: readonly Sample[]) => leaderSeries(samples, sglangRankLabels),
  counters: {
    requestsFinished: ['sglang:num_requests_total'],
    promptTokens: ['sglang:prompt_tokens_total'],
    generationTokens: ['sglang:generation_tokens_total'],
    preemptions: ['sglang:num_retracted_requests_total'],
  },
  gauges: {
    waitingRequests: { names: ['sglang:num_queue_reqs'], combine: 'sum' },
    runningRequests: { names: ['sglang:num_running_reqs'], combine: 'sum' },
    kvCacheUsage: { names: ['sglang:token_usage'], combine: 'mean' },
    kvCacheCapacity: { names: ['sglang:max_total_num_tokens'], combine: 'sum' },
    prefillBootstrapQueue: {
      names: ['sglang:num_prefill_bootstrap_queue_reqs', 'sglang:num_prefill_prealloc_queue_reqs'],
      combine: 'sum',
    },
    prefillInflightQueue: { names: ['sglang:num_prefill_inflight_queue_reqs'], combine: 'sum' },
    decodePreallocQueue: { names: ['sglang:num_decode_prealloc_queue_reqs'], combine: 'sum' },
    decodeTransferQueue: { names: ['sglang:num_decode_transfer_queue_reqs'], combine: 'sum' },
  },
  histograms: {
    ttftSeconds: ['sglang:time_to_first_token_seconds'],
    tpotSeconds: ['sglang:inter_token_latency_seconds', 'sglang:time_per_output_token_seconds'],
    e2eSeconds: ['sglang:e2e_request_latency_seconds'],
    queueTimeSeconds: ['sglang:queue_time_seconds'],
    inputTokens: ['sglang:prompt_tokens_histogram'],
    outputTokens: ['sglang:generation_tokens_histogram'],
  },
};

/** Normalizes one SGLang pod's page. */
export function fromPage(page: ExpositionPage, options: FromPageOptions): PodSampleResult {
  const reader = new PageReader(page, sglangSpec, options.model);
  if (!reader.hasEngineSamples()) return { ok: false, reason: 'no sglang:* samples on the page' };
  const { counters, gauges, histograms } = readFields(reader, sglangSpec);
  const start = reader.sum(['process_start_time_seconds']);
  const mismatch = reader.modelMismatch();
  if (mismatch !== undefined) return { ok: false, reason: mismatch };
  return {
    ok: true,
    sample: {
      engine: 'sglang',
      scrapedAtMs: options.scrapedAtMs,
      ...(start === undefined ? {} : { startedAtMs: start * 1000 }),
      counters,
      gauges,
      histograms,
    },
  };
}
