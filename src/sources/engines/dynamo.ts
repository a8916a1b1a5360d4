// SPDX-License-Identifier: Apache-2.0
// NVIDIA Dynamo `/metrics` -> PodSample (reference docs/reference.md §C.3): the frontend's
// `dynamo_frontend_*` families and a worker's `dynamo_component_*` runtime families, label `model`.
// Request-level frontend series lower-case the model (`qwen/qwen3-0.6b`) while config gauges keep
// its case, so the model filter is case-insensitive. Worker work-handler series are kept for the
// `generate` endpoint only (`clear_kv_blocks`, `list_loras`... are control calls, not inference).
// The engine families a worker re-exports (`vllm:*`, `sglang:*`) are read by those adapters.
//
// | PodSample field             | Dynamo metric                                                       |
// | --------------------------- | ------------------------------------------------------------------- |
// | counters.requestsFinished   | dynamo_frontend_requests_total (all statuses; counted at completion) |
// | counters.requestsStarted    | dynamo_frontend_requests_started_total (newest), else                |
// |                             | dynamo_component_requests_total{dynamo_endpoint="generate"} (the    |
// |                             | work handler counts a request when it arrives)                      |
// | counters.generationTokens   | dynamo_frontend_output_tokens_total                                 |
// | gauges.frontendInflight     | dynamo_frontend_inflight_requests, else dynamo_frontend_active_requests |
// | gauges.frontendQueued       | dynamo_frontend_queued_requests                                     |
// | gauges.workerInflight       | dynamo_component_inflight_requests{dynamo_endpoint="generate"}      |
// | gauges.kvCacheUsage         | dynamo_component_gpu_cache_usage_percent (newest), else             |
// |                             | dynamo_component_kvstats_gpu_cache_usage_percent (0..1 despite the  |
// |                             | name); unknown when the matching total_blocks gauge reads 0         |
// | gauges.kvCacheCapacity      | dynamo_component_total_blocks, else ..._kvstats_total_blocks (blocks) |
// | histograms.ttftSeconds      | dynamo_frontend_time_to_first_token_seconds                         |
// | histograms.tpotSeconds      | dynamo_frontend_inter_token_latency_seconds                         |
// | histograms.e2eSeconds       | dynamo_frontend_request_duration_seconds, else                      |
// |                             | dynamo_component_request_duration_seconds{dynamo_endpoint="generate"} |
// | histograms.inputTokens      | dynamo_frontend_input_sequence_tokens                               |
// | histograms.outputTokens     | dynamo_frontend_output_sequence_tokens                              |
// | startedAtMs                 | scrape time - dynamo_component_uptime_seconds                       |
// Not exported by Dynamo's own families: promptTokens, preemptions, waiting/running, queue time, PD queues.
import type { ExpositionPage, Labels } from '../exposition/types.js';
import type { FromPageOptions, PodSampleResult } from './pod-sample.js';
import { PageReader, readFields, setDefined, type EngineSpec } from './series.js';

/** The worker endpoint that serves inference requests. */
export const dynamoInferenceEndpoint = 'generate';

/** KV gauges, newest pair first: usage is only meaningful next to its own capacity gauge. */
const kvPairs = [
  { usage: 'dynamo_component_gpu_cache_usage_percent', capacity: 'dynamo_component_total_blocks' },
  {
    usage: 'dynamo_component_kvstats_gpu_cache_usage_percent',
    capacity: 'dynamo_component_kvstats_total_blocks',
  },
] as const;

const uptimeName = 'dynamo_component_uptime_seconds';

/** Names `fromPage` reads beyond the spec's fields. */
const ownReads: ReadonlySet<string> = new Set([uptimeName, ...kvPairs.flatMap((p) => [p.usage, p.capacity])]);

export const dynamoSpec: EngineSpec = {
  engine: 'dynamo',
  prefixes: ['dynamo_frontend_', 'dynamo_component_'],
  modelLabels: ['model', 'model_name'],
  alsoReads: (name) => ownReads.has(name),
  where: (labels: Labels) =>
    labels.dynamo_endpoint === undefined || labels.dynamo_endpoint === dynamoInferenceEndpoint,
  counters: {
    requestsFinished: ['dynamo_frontend_requests_total'],
    requestsStarted: ['dynamo_frontend_requests_started_total', 'dynamo_component_requests_total'],
    generationTokens: ['dynamo_frontend_output_tokens_total'],
  },
  gauges: {
    frontendInflight: {
      names: ['dynamo_frontend_inflight_requests', 'dynamo_frontend_active_requests'],
      combine: 'sum',
    },
    frontendQueued: { names: ['dynamo_frontend_queued_requests'], combine: 'sum' },
    workerInflight: { names: ['dynamo_component_inflight_requests'], combine: 'sum' },
  },
  histograms: {
    ttftSeconds: ['dynamo_frontend_time_to_first_token_seconds'],
    tpotSeconds: ['dynamo_frontend_inter_token_latency_seconds'],
    e2eSeconds: ['dynamo_frontend_request_duration_seconds', 'dynamo_component_request_duration_seconds'],
    inputTokens: ['dynamo_frontend_input_sequence_tokens'],
    outputTokens: ['dynamo_frontend_output_sequence_tokens'],
  },
};

/** Normalizes one Dynamo frontend or worker page. */
export function fromPage(page: ExpositionPage, options: FromPageOptions): PodSampleResult {
  const reader = new PageReader(page, dynamoSpec, options.model);
  if (!reader.hasEngineSamples())
    return { ok: false, reason: 'no dynamo_frontend_* or dynamo_component_* samples on the page' };
  const { counters, gauges, histograms } = readFields(reader, dynamoSpec);
  const kv = kvCache(reader);
  setDefined(gauges, 'kvCacheUsage', kv.kvCacheUsage);
  setDefined(gauges, 'kvCacheCapacity', kv.kvCacheCapacity);
  const uptimeS = reader.sum([uptimeName]);
  const mismatch = reader.modelMismatch();
  if (mismatch !== undefined) return { ok: false, reason: mismatch };
  return {
    ok: true,
    sample: {
      engine: 'dynamo',
      scrapedAtMs: options.scrapedAtMs,
      ...(uptimeS === undefined ? {} : { startedAtMs: options.scrapedAtMs - uptimeS * 1000 }),
      counters,
      gauges,
      histograms,
    },
  };
}

/**
 * KV usage (mean over dp ranks) and capacity (blocks, summed). A worker whose backend never
 * published KV stats reports `total_blocks 0` with usage 0 (the SGLang capture): that is "not
 * populated", not "idle", so both stay unknown.
 */
function kvCache(reader: PageReader): { kvCacheUsage?: number; kvCacheCapacity?: number } {
  const pair = kvPairs.find((p) => reader.firstPresent([p.usage, p.capacity]) !== undefined);
  if (pair === undefined) return {};
  const capacity = reader.sum([pair.capacity]);
  if (capacity !== undefined && capacity <= 0) return {};
  const kv: { kvCacheUsage?: number; kvCacheCapacity?: number } = {};
  setDefined(kv, 'kvCacheUsage', reader.mean([pair.usage]));
  setDefined(kv, 'kvCacheCapacity', capacity);
  return kv;
}
