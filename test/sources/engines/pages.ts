// SPDX-License-Identifier: Apache-2.0
// Helpers for the engine adapter tests: real captures, synthesized pages, unwrapping results.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { PodSample, PodSampleResult } from '../../../src/sources/engines/pod-sample.js';
import { parseExposition } from '../../../src/sources/exposition/parse.js';
import type { ExpositionPage } from '../../../src/sources/exposition/types.js';

/** A capture from data/fixtures/engine-metrics/, parsed. */
export function fixture(name: string): ExpositionPage {
  return parse(
    readFileSync(new URL(`../../../data/fixtures/engine-metrics/${name}`, import.meta.url), 'utf8'),
  );
}

export function parse(text: string): ExpositionPage {
  const result = parseExposition(text);
  if (!result.ok) throw new Error(`test page does not parse: ${JSON.stringify(result.error)}`);
  return result.page;
}

export function sampleOf(result: PodSampleResult): PodSample {
  if (!result.ok) throw new Error(`expected a sample, got: ${result.reason}`);
  return result.sample;
}

export function reasonOf(result: PodSampleResult): string {
  expect(result.ok).toBe(false);
  return result.ok ? '' : result.reason;
}

/** `{a="1",b="2"}` from an object, label order as given. */
export function labelText(labels: Readonly<Record<string, string>>): string {
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return inner === '' ? '' : `{${inner}}`;
}

/**
 * Lines of one histogram in prometheus_client order (buckets, count, sum). `counts` has one
 * cumulative count per bound plus the +Inf bucket last.
 */
export function histogramLines(
  name: string,
  labels: Readonly<Record<string, string>>,
  bounds: readonly number[],
  values: { readonly counts: readonly number[]; readonly sum: number },
): string[] {
  const { counts: cumulative, sum } = values;
  const les = [...bounds.map(String), '+Inf'];
  const lines = les.map((le, i) => `${name}_bucket${labelText({ ...labels, le })} ${cumulative[i] ?? NaN}`);
  lines.push(`${name}_count${labelText(labels)} ${cumulative[cumulative.length - 1] ?? NaN}`);
  lines.push(`${name}_sum${labelText(labels)} ${sum}`);
  return lines;
}

/** The state of a synthetic vLLM V1 pod, for window tests. */
export interface VllmState {
  readonly startS?: number;
  readonly success: number;
  readonly prompt: number;
  readonly generation: number;
  readonly waiting: number;
  readonly running: number;
  readonly kv: number;
  /** Cumulative TTFT counts at 0.1, 0.5, 1 s and +Inf. */
  readonly ttft: readonly [number, number, number, number];
  readonly ttftSum: number;
  /** Prompt-length histogram count and sum (one bucket set: 1000, 10000, +Inf, all in +Inf-free order). */
  readonly isl: { readonly count: number; readonly sum: number };
}

export const ttftBounds = [0.1, 0.5, 1] as const;

/** A vLLM V1 page (model "m", engine "0") in the shape of the real capture. */
export function vllmPage(state: VllmState): ExpositionPage {
  const l = { engine: '0', model_name: 'm' };
  const lines = [
    ...(state.startS === undefined ? [] : [`process_start_time_seconds ${state.startS}`]),
    '# TYPE vllm:num_requests_waiting gauge',
    `vllm:num_requests_waiting${labelText(l)} ${state.waiting}`,
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running${labelText(l)} ${state.running}`,
    '# TYPE vllm:kv_cache_usage_perc gauge',
    `vllm:kv_cache_usage_perc${labelText(l)} ${state.kv}`,
    '# TYPE vllm:request_success_total counter',
    `vllm:request_success_total${labelText({ ...l, finished_reason: 'stop' })} ${state.success}`,
    '# TYPE vllm:prompt_tokens_total counter',
    `vllm:prompt_tokens_total${labelText(l)} ${state.prompt}`,
    '# TYPE vllm:generation_tokens_total counter',
    `vllm:generation_tokens_total${labelText(l)} ${state.generation}`,
    '# TYPE vllm:time_to_first_token_seconds histogram',
    ...histogramLines('vllm:time_to_first_token_seconds', l, ttftBounds, {
      counts: state.ttft,
      sum: state.ttftSum,
    }),
    '# TYPE vllm:request_prompt_tokens histogram',
    ...histogramLines('vllm:request_prompt_tokens', l, [1000, 10000], {
      counts: [0, state.isl.count, state.isl.count],
      sum: state.isl.sum,
    }),
  ];
  return parse(lines.join('\n') + '\n');
}
