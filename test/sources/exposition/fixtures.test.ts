// SPDX-License-Identifier: Apache-2.0
// The parser against the real engine /metrics captures in data/fixtures/engine-metrics/
// (copied verbatim; their README lists the edge cases and the values a parser must recover).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../../src/sources/exposition/parse.js';
import type { ExpositionPage, MetricFamily, Sample } from '../../../src/sources/exposition/types.js';

const fixtureDir = new URL('../../../data/fixtures/engine-metrics/', import.meta.url);
const fixtureFiles = readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.prom'))
  .sort();
const readFixture = (file: string): string => readFileSync(new URL(file, fixtureDir), 'utf8');

const pages = new Map<string, ExpositionPage>();
function page(file: string): ExpositionPage {
  let p = pages.get(file);
  if (p === undefined) {
    const result = parseExposition(readFixture(file));
    if (!result.ok) {
      const { line, col, message } = result.error;
      throw new Error(`${file}:${line}:${col}: ${message}`);
    }
    p = result.page;
    pages.set(file, p);
  }
  return p;
}

const allSamples = (p: ExpositionPage): Sample[] => [...p.families.values()].flatMap((f) => f.samples);

/** Sum of the named sample over every label set; throws when the page has no such sample. */
function sumOf(file: string, sampleName: string): number {
  const matching = allSamples(page(file)).filter((s) => s.name === sampleName);
  if (matching.length === 0) throw new Error(`${file} has no sample ${sampleName}`);
  return matching.reduce((sum, s) => sum + s.value, 0);
}

function family(file: string, name: string): MetricFamily {
  const f = page(file).families.get(name);
  if (f === undefined) throw new Error(`${file} has no family ${name}`);
  return f;
}

/** A label set without `le`, as a stable key. */
function seriesKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.entries(labels)
      .filter(([k]) => k !== 'le')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

function parseLe(le: string | undefined): number {
  if (le === '+Inf') return Infinity;
  const bound = Number(le);
  if (le === undefined || le === '' || !Number.isFinite(bound)) throw new Error(`bad le ${String(le)}`);
  return bound;
}

interface HistogramSeries {
  readonly bounds: number[];
  readonly counts: number[];
  count: number | undefined;
  sum: number | undefined;
}

/** Buckets (page order), _count and _sum of each label set of a histogram family. */
function histogramSeries(f: MetricFamily): Map<string, HistogramSeries> {
  const series = new Map<string, HistogramSeries>();
  for (const sample of f.samples) {
    const key = seriesKey(sample.labels);
    let entry = series.get(key);
    if (entry === undefined) {
      entry = { bounds: [], counts: [], count: undefined, sum: undefined };
      series.set(key, entry);
    }
    const suffix = sample.name.slice(f.name.length);
    if (suffix === '_bucket') {
      entry.bounds.push(parseLe(sample.labels.le));
      entry.counts.push(sample.value);
    } else if (suffix === '_count') entry.count = sample.value;
    else if (suffix === '_sum') entry.sum = sample.value;
    else if (suffix !== '_created') throw new Error(`unexpected sample ${sample.name} in ${f.name}`);
  }
  return series;
}

describe('engine /metrics fixtures', () => {
  it('the fixture directory holds the captures the README lists', () => {
    expect(fixtureFiles).toEqual(
      expect.arrayContaining([
        'dynamo-frontend-qwen3-0.6b.prom',
        'dynamo-trtllm-worker-qwen3-0.6b.prom',
        'sglang-docs-early-llama31-8b.prom',
        'sglang-docs-production-metrics.prom',
        'sglang-dynamo-metrics-examples.prom',
        'vllm-dynamo-metrics-examples.prom',
        'vllm-v0-opt-125m-datadog.prom',
      ]),
    );
  });

  describe.each(fixtureFiles)('%s', (file) => {
    it('parses, every family is typed, and there is one sample per sample line', () => {
      const p = page(file);
      const untyped = [...p.families.values()].filter((f) => f.type === 'untyped').map((f) => f.name);
      expect(untyped).toEqual([]);
      const sampleLines = readFixture(file)
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('#')).length;
      expect(p.sampleCount).toBe(sampleLines);
      expect(allSamples(p)).toHaveLength(sampleLines);
      const typeLines = readFixture(file)
        .split('\n')
        .filter((line) => line.startsWith('# TYPE ')).length;
      expect(p.families.size).toBe(typeLines);
    });

    it('every label set is readable and every sample name belongs to its family', () => {
      for (const f of page(file).families.values()) {
        for (const sample of f.samples) {
          expect(sample.name.startsWith(f.name), `${sample.name} in ${f.name}`).toBe(true);
          expect(Object.isFrozen(sample.labels)).toBe(true);
          for (const value of Object.values(sample.labels)) expect(typeof value).toBe('string');
        }
      }
    });

    it('every histogram: increasing bounds, non-decreasing cumulative buckets, +Inf bucket = _count', () => {
      let checked = 0;
      for (const f of page(file).families.values()) {
        if (f.type !== 'histogram') continue;
        for (const [key, series] of histogramSeries(f)) {
          const where = `${f.name} ${key}`;
          expect(series.bounds.length, where).toBeGreaterThan(1);
          for (let i = 1; i < series.bounds.length; i++) {
            expect(series.bounds[i]!, where).toBeGreaterThan(series.bounds[i - 1]!);
            expect(series.counts[i]!, where).toBeGreaterThanOrEqual(series.counts[i - 1]!);
          }
          expect(series.bounds.at(-1), where).toBe(Infinity);
          expect(series.count, where).toBeDefined();
          expect(series.counts.at(-1), where).toBe(series.count);
          expect(series.sum, where).toBeDefined();
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(0);
    });
  });

  // The fixtures README, "Values a parser must recover" (sums over every label set of the named sample).
  it.each([
    { file: 'vllm-v0-opt-125m-datadog.prom', sample: 'vllm:prompt_tokens_total', value: 5 },
    { file: 'vllm-v0-opt-125m-datadog.prom', sample: 'vllm:generation_tokens_total', value: 7 },
    { file: 'vllm-v0-opt-125m-datadog.prom', sample: 'vllm:time_to_first_token_seconds_count', value: 1 },
    {
      file: 'vllm-v0-opt-125m-datadog.prom',
      sample: 'vllm:time_to_first_token_seconds_sum',
      value: 0.31326723098754883,
    },
    { file: 'vllm-v0-opt-125m-datadog.prom', sample: 'vllm:time_per_output_token_seconds_count', value: 6 },
    {
      file: 'vllm-v0-opt-125m-datadog.prom',
      sample: 'vllm:time_per_output_token_seconds_sum',
      value: 0.19016313552856445,
    },
    { file: 'sglang-docs-early-llama31-8b.prom', sample: 'sglang:prompt_tokens_total', value: 7 },
    { file: 'sglang-docs-early-llama31-8b.prom', sample: 'sglang:generation_tokens_total', value: 8 },
    {
      file: 'sglang-docs-early-llama31-8b.prom',
      sample: 'sglang:time_to_first_token_seconds_count',
      value: 1,
    },
    {
      file: 'sglang-docs-early-llama31-8b.prom',
      sample: 'sglang:time_to_first_token_seconds_sum',
      value: 0.30457592010498047,
    },
    { file: 'dynamo-frontend-qwen3-0.6b.prom', sample: 'dynamo_frontend_requests_total', value: 1 },
    { file: 'dynamo-frontend-qwen3-0.6b.prom', sample: 'dynamo_frontend_output_tokens_total', value: 300 },
    {
      file: 'dynamo-frontend-qwen3-0.6b.prom',
      sample: 'dynamo_frontend_time_to_first_token_seconds_count',
      value: 1,
    },
    {
      file: 'dynamo-frontend-qwen3-0.6b.prom',
      sample: 'dynamo_frontend_time_to_first_token_seconds_sum',
      value: 1.5625701570000001,
    },
    {
      file: 'dynamo-frontend-qwen3-0.6b.prom',
      sample: 'dynamo_frontend_inter_token_latency_seconds_count',
      value: 299,
    },
    {
      file: 'dynamo-frontend-qwen3-0.6b.prom',
      sample: 'dynamo_frontend_inter_token_latency_seconds_sum',
      value: 0.6126917290000005,
    },
    {
      file: 'dynamo-frontend-qwen3-0.6b.prom',
      sample: 'dynamo_frontend_model_total_kv_blocks',
      value: 92962,
    },
    { file: 'dynamo-trtllm-worker-qwen3-0.6b.prom', sample: 'dynamo_component_requests_total', value: 2 },
    {
      file: 'dynamo-trtllm-worker-qwen3-0.6b.prom',
      sample: 'trtllm_time_to_first_token_seconds_count',
      value: 2,
    },
    {
      file: 'dynamo-trtllm-worker-qwen3-0.6b.prom',
      sample: 'trtllm_time_to_first_token_seconds_sum',
      value: 0.06795299984514713,
    },
  ])('README value: $file $sample = $value', ({ file, sample, value }) => {
    expect(sumOf(file, sample)).toBe(value);
  });
});

// Values read by hand from vllm-dynamo-metrics-examples.prom (line numbers are the file's, 1-based).
describe('vllm-dynamo-metrics-examples.prom, values computed by hand', () => {
  const file = 'vllm-dynamo-metrics-examples.prom';
  const model = 'Qwen/Qwen3-0.6B';
  const samplesOf = (name: string) =>
    family(file, name).samples.map((s) => ({ name: s.name, labels: { ...s.labels }, value: s.value }));

  it('119 families (one # TYPE line each) and 474 sample lines (`grep -c` of the file)', () => {
    expect(page(file).families.size).toBe(119);
    expect(page(file).sampleCount).toBe(474);
  });

  it('vllm:num_requests_running / _waiting: one series, engine "0", value 0 (lines 118, 121)', () => {
    expect(samplesOf('vllm:num_requests_running')).toEqual([
      { name: 'vllm:num_requests_running', labels: { engine: '0', model_name: model }, value: 0 },
    ]);
    expect(samplesOf('vllm:num_requests_waiting')).toEqual([
      { name: 'vllm:num_requests_waiting', labels: { engine: '0', model_name: model }, value: 0 },
    ]);
    expect(family(file, 'vllm:num_requests_running').help).toBe(
      'Number of requests in model execution batches.',
    );
  });

  it('vllm:engine_sleep_state by sleep_state: awake 1, the others 0 (lines 122-126)', () => {
    const f = family(file, 'vllm:engine_sleep_state');
    expect(f.type).toBe('gauge');
    expect(f.help).toBe(
      'Engine sleep state; awake = 0 means engine is sleeping; awake = 1 means engine is awake; ' +
        'weights_offloaded = 1 means sleep level 1; discard_all = 1 means sleep level 2.',
    );
    expect(f.samples.map((s) => [s.labels.sleep_state, s.value])).toEqual([
      ['awake', 1],
      ['weights_offloaded', 0],
      ['discard_all', 0],
    ]);
  });

  it('Dynamo counters per dynamo_endpoint: requests 2, request bytes 2512, response bytes 36642, all on generate (lines 22-26, 101-112)', () => {
    const byEndpoint = (name: string) =>
      Object.fromEntries(
        family(file, name).samples.map((s): [string, number] => [s.labels.dynamo_endpoint ?? '', s.value]),
      );
    const zeroElsewhere = { clear_kv_blocks: 0, list_loras: 0, load_lora: 0, unload_lora: 0 };
    expect(byEndpoint('dynamo_component_requests_total')).toEqual({ ...zeroElsewhere, generate: 2 });
    expect(byEndpoint('dynamo_component_request_bytes_total')).toEqual({ ...zeroElsewhere, generate: 2512 });
    expect(byEndpoint('dynamo_component_response_bytes_total')).toEqual({
      ...zeroElsewhere,
      generate: 36642,
    });
    expect(sumOf(file, 'dynamo_component_request_bytes_total')).toBe(2512);
  });

  it('Dynamo request_duration_seconds, generate: le last, integer bounds, buckets 0 x8 then 2 x4 (lines 43-56)', () => {
    const generate = family(file, 'dynamo_component_request_duration_seconds').samples.filter(
      (s) => s.labels.dynamo_endpoint === 'generate',
    );
    const buckets = generate.filter((s) => s.name.endsWith('_bucket'));
    expect(buckets.map((s) => s.labels.le)).toEqual([
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '+Inf',
    ]);
    expect(buckets.map((s) => s.value)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2]);
    for (const b of buckets)
      expect(Object.keys(b.labels)).toEqual([
        'dynamo_component',
        'dynamo_endpoint',
        'dynamo_namespace',
        'model',
        'le',
      ]);
    expect(generate.map((s) => s.name.slice('dynamo_component_request_duration_seconds'.length))).toEqual([
      ...Array<string>(12).fill('_bucket'),
      '_sum',
      '_count',
    ]);
    expect(generate.find((s) => s.name.endsWith('_sum'))!.value).toBe(3.577071288);
    expect(generate.find((s) => s.name.endsWith('_count'))!.value).toBe(2);
    // Five endpoints x (12 buckets + _sum + _count), lines 29-98.
    expect(family(file, 'dynamo_component_request_duration_seconds').samples).toHaveLength(70);
  });

  it('vllm:time_to_first_token_seconds: 1 request <= 0.02 s, both <= 0.5 s, _sum 0.4143967628479004 (lines 320-344)', () => {
    const f = family(file, 'vllm:time_to_first_token_seconds');
    const buckets = f.samples.filter((s) => s.name === 'vllm:time_to_first_token_seconds_bucket');
    expect(buckets.map((s) => [s.labels.le, s.value])).toEqual([
      ['0.001', 0],
      ['0.005', 0],
      ['0.01', 0],
      ['0.02', 1],
      ['0.04', 1],
      ['0.06', 1],
      ['0.08', 1],
      ['0.1', 1],
      ['0.25', 1],
      ['0.5', 2],
      ['0.75', 2],
      ['1.0', 2],
      ['2.5', 2],
      ['5.0', 2],
      ['7.5', 2],
      ['10.0', 2],
      ['20.0', 2],
      ['40.0', 2],
      ['80.0', 2],
      ['160.0', 2],
      ['640.0', 2],
      ['2560.0', 2],
      ['+Inf', 2],
    ]);
    // prometheus_client sorts label names: le sits between engine and model_name.
    expect(Object.keys(buckets[0]!.labels)).toEqual(['engine', 'le', 'model_name']);
    expect(sumOf(file, 'vllm:time_to_first_token_seconds_count')).toBe(2);
    expect(sumOf(file, 'vllm:time_to_first_token_seconds_sum')).toBe(0.4143967628479004);
    // The _created series is its own gauge family in this 0.0.4 capture (lines 345-347).
    expect(family(file, 'vllm:time_to_first_token_seconds_created').type).toBe('gauge');
    expect(sumOf(file, 'vllm:time_to_first_token_seconds_created')).toBe(1.7682643398903363e9);
  });

  it('vllm:inter_token_latency_seconds: 597 <= 10 ms, 598 in all; _sum equals the decode-time _sum (lines 350-371, 543)', () => {
    const buckets = family(file, 'vllm:inter_token_latency_seconds').samples.filter((s) =>
      s.name.endsWith('_bucket'),
    );
    expect(buckets).toHaveLength(20);
    expect(buckets.slice(0, 3).map((s) => [s.labels.le, s.value])).toEqual([
      ['0.01', 597],
      ['0.025', 597],
      ['0.05', 598],
    ]);
    expect(buckets.slice(2).every((s) => s.value === 598)).toBe(true);
    expect(sumOf(file, 'vllm:inter_token_latency_seconds_count')).toBe(598);
    expect(sumOf(file, 'vllm:inter_token_latency_seconds_sum')).toBe(3.1598554495722055);
    expect(sumOf(file, 'vllm:request_decode_time_seconds_sum')).toBe(3.1598554495722055);
  });

  it('tokens: prompt 66 = request_prompt_tokens _sum = prefill_kv_computed _sum; generation 600 (lines 174, 180, 214, 236, 565)', () => {
    expect(sumOf(file, 'vllm:prompt_tokens_total')).toBe(66);
    expect(sumOf(file, 'vllm:request_prompt_tokens_sum')).toBe(66);
    expect(sumOf(file, 'vllm:request_prefill_kv_computed_tokens_sum')).toBe(66);
    expect(sumOf(file, 'vllm:generation_tokens_total')).toBe(600);
    expect(sumOf(file, 'vllm:request_generation_tokens_sum')).toBe(600);
    // The counter's _created is a separate gauge family (lines 175-177).
    expect(family(file, 'vllm:prompt_tokens_total').samples).toHaveLength(1);
    expect(family(file, 'vllm:prompt_tokens_created').type).toBe('gauge');
    expect(sumOf(file, 'vllm:prompt_tokens_created')).toBe(1.768264339889982e9);
  });

  it('vllm:request_success_total by finished_reason: length 2, others 0 (lines 186-189)', () => {
    expect(
      Object.fromEntries(
        family(file, 'vllm:request_success_total').samples.map((s): [string, number] => [
          s.labels.finished_reason ?? '',
          s.value,
        ]),
      ),
    ).toEqual({ stop: 0, length: 2, abort: 0, error: 0 });
  });

  it('vllm:iteration_tokens_total is a histogram: 598 <= 32 tokens, 600 <= 64, _count 600, _sum 666 (lines 240-257)', () => {
    const f = family(file, 'vllm:iteration_tokens_total');
    expect(f.type).toBe('histogram');
    const le = (bound: string) =>
      f.samples.find((s) => s.name.endsWith('_bucket') && s.labels.le === bound)!.value;
    expect([le('32.0'), le('64.0'), le('+Inf')]).toEqual([598, 600, 600]);
    expect(sumOf(file, 'vllm:iteration_tokens_total_count')).toBe(600);
    expect(sumOf(file, 'vllm:iteration_tokens_total_sum')).toBe(666);
  });

  it('scientific notation: queue time _sum 1.883227378129959e-05 (line 456)', () => {
    expect(sumOf(file, 'vllm:request_queue_time_seconds_sum')).toBe(0.00001883227378129959);
  });

  it('KV blocks: Dynamo total_blocks 5943 = cache_config_info num_gpu_blocks, a 23-label info gauge (lines 19, 571)', () => {
    expect(sumOf(file, 'dynamo_component_kvstats_total_blocks')).toBe(5943);
    const [info] = family(file, 'vllm:cache_config_info').samples;
    expect(Object.keys(info!.labels)).toHaveLength(23);
    expect(info!.labels).toMatchObject({
      block_size: '16',
      num_gpu_blocks: '5943',
      gpu_memory_utilization: '0.24',
      prefix_caching_hash_algo: 'sha256',
      swap_space: '4.0',
    });
    expect(info!.value).toBe(1);
  });

  it('dynamo_component_uptime_seconds has no labels: 69.555781023 (line 115)', () => {
    expect(samplesOf('dynamo_component_uptime_seconds')).toEqual([
      { name: 'dynamo_component_uptime_seconds', labels: {}, value: 69.555781023 },
    ]);
  });

  it('21 lmcache gauges declared with no samples are kept empty (lines 659-700)', () => {
    const empty = [...page(file).families.values()].filter((f) => f.samples.length === 0);
    expect(empty).toHaveLength(21);
    expect(empty.every((f) => f.type === 'gauge' && f.name.startsWith('lmcache:'))).toBe(true);
    expect(empty[0]!.name).toBe('lmcache:local_cpu_hot_cache_count');
    expect(empty[0]!.help).toBe('The size of the hot_cache');
    expect(empty.at(-1)!.name).toBe('lmcache:connector_requests_priority_count');
    // The family after them has its sample (lines 701-703).
    expect(samplesOf('lmcache:retrieve_hit_rate')).toHaveLength(1);
  });
});
