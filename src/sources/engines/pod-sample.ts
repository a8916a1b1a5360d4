// SPDX-License-Identifier: Apache-2.0
// The normalized sample of one pod's `/metrics` page: what vLLM, SGLang and Dynamo export, under one
// set of names, still cumulative (rates and windowed quantiles are computed in window.ts). A field
// the engine does not export is ABSENT, never 0: unknown is not idle.
import type { Histogram } from './histogram.js';

export const Engines = ['vllm', 'sglang', 'dynamo'] as const;
/** An inference engine (or Dynamo's frontend/runtime) whose page an adapter reads. */
export type Engine = (typeof Engines)[number];

/** Cumulative counters (monotone until the process restarts). */
export const CounterNames = [
  /** Requests finished, any outcome (success, length, abort, error). */
  'requestsFinished',
  /** Requests accepted (counted when they start). */
  'requestsStarted',
  /** Prompt (prefill) tokens. */
  'promptTokens',
  /** Generated (output) tokens. */
  'generationTokens',
  /** Preemptions / retractions of running requests. */
  'preemptions',
] as const;
export type CounterName = (typeof CounterNames)[number];

/** Point-in-time gauges from the scrape. */
export const GaugeNames = [
  /** Requests in the engine's waiting queue. */
  'waitingRequests',
  /** Requests in the running batch. */
  'runningRequests',
  /** KV cache in use, fraction 0..1. */
  'kvCacheUsage',
  /**
   * KV cache size, used only to weight `kvCacheUsage` across a role's pods: tokens for vLLM
   * (`num_gpu_blocks x block_size`) and SGLang (`max_total_num_tokens`), blocks for Dynamo workers.
   */
  'kvCacheCapacity',
  /** SGLang PD prefill: waiting for the bootstrap handshake with a decode instance. */
  'prefillBootstrapQueue',
  /** SGLang PD prefill: prefill done, KV being transferred out. */
  'prefillInflightQueue',
  /** SGLang PD decode: waiting for KV memory preallocation. */
  'decodePreallocQueue',
  /** SGLang PD decode: waiting for the KV transfer to arrive. */
  'decodeTransferQueue',
  /** Dynamo frontend: requests in flight to the engines. */
  'frontendInflight',
  /** Dynamo frontend: requests queued in HTTP processing (until the first token). */
  'frontendQueued',
  /** Dynamo worker: requests inside the worker's `generate` handler. */
  'workerInflight',
] as const;
export type GaugeName = (typeof GaugeNames)[number];

/** Cumulative histograms. Latencies are in seconds, lengths in tokens, as the engines export them. */
export const HistogramNames = [
  'ttftSeconds',
  /** Inter-token latency (TPOT), one observation per token gap. */
  'tpotSeconds',
  'e2eSeconds',
  'queueTimeSeconds',
  /** Prompt length per finished request (ISL). */
  'inputTokens',
  /** Generation length per finished request (OSL). */
  'outputTokens',
] as const;
export type HistogramName = (typeof HistogramNames)[number];

/** One cumulative bucket: `count` observations were <= `le` (seconds or tokens; `Infinity` for +Inf). */
export interface HistogramBucket {
  readonly le: number;
  readonly count: number;
}

/**
 * A cumulative histogram summed over the series that count (buckets sorted by `le`): the plain shape,
 * as printed and as callers may pass it. Adapters produce the compact `Histogram` (histogram.ts).
 */
export interface CumulativeHistogram {
  readonly buckets: readonly HistogramBucket[];
  readonly count: number;
  readonly sum: number;
}

export type PodCounters = Readonly<Partial<Record<CounterName, number>>>;
export type PodGauges = Readonly<Partial<Record<GaugeName, number>>>;
export type PodHistograms = Readonly<Partial<Record<HistogramName, Histogram>>>;

/** One pod's page, normalized. Every field inside `counters`/`gauges`/`histograms` is optional. */
export interface PodSample {
  readonly engine: Engine;
  /** When the caller scraped the page (epoch ms): the freshness of every field. */
  readonly scrapedAtMs: number;
  /**
   * When the serving process started (epoch ms), if the page tells: `process_start_time_seconds`,
   * the earliest `_created` series (vLLM V1), or scrape time minus `dynamo_component_uptime_seconds`.
   * A change between two scrapes means the pod restarted.
   */
  readonly startedAtMs?: number;
  readonly counters: PodCounters;
  readonly gauges: PodGauges;
  readonly histograms: PodHistograms;
}

export interface FromPageOptions {
  /** Only series of this model count (case-insensitive). Series without a model label always count. */
  readonly model?: string | undefined;
  readonly scrapedAtMs: number;
}

/** A sample, or why the page gave none (no family of the engine, or none of the requested model). */
export type PodSampleResult =
  { readonly ok: true; readonly sample: PodSample } | { readonly ok: false; readonly reason: string };
