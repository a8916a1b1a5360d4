// SPDX-License-Identifier: Apache-2.0
// What a simulated engine exports: vLLM V1's `/metrics` families, labels and default buckets
// (docs/reference.md §C.1: `engine` and `model_name` on every series, `_total`
// counters, `cache_config_info` with the KV pool size, `process_start_time_seconds`). The backtest's
// systems read these pages back through the real parser, adapters and collector, so the simulator
// exercises the same path a cluster does, bucket resolution included (ITL buckets start at 10 ms).

// vLLM V1 default buckets, seconds or tokens (reference §1, histogram table).
const ttftBuckets = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640,
  2560,
];
const itlBuckets = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
];
const requestLatencyBuckets = [
  0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
];
// vLLM's build_1_2_5_buckets(max_model_len): Llama-3.1-8B's 131,072 tokens end the series at 100,000.
const tokenBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

/** vLLM's KV block size in tokens (its default `--block-size`). */
const blockSize = 16;

/** A histogram kept as per-bucket counts (not cumulative) so an observation touches one slot. */
export class SimHistogram {
  readonly bounds: readonly number[];
  private readonly counts: Float64Array;
  count = 0;
  sum = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records `weight` observations of `value` (a weight, so per-token ITL costs one call per step). */
  observe(value: number, weight = 1): void {
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] ?? Infinity)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + weight;
    this.count += weight;
    this.sum += value * weight;
  }

  /** Cumulative counts per bound, then +Inf. */
  cumulative(): number[] {
    const out: number[] = [];
    let running = 0;
    for (const c of this.counts) {
      running += c;
      out.push(running);
    }
    return out;
  }
}

/** The counters, gauges and histograms of one simulated vLLM engine. */
export class EngineMetrics {
  readonly modelName: string;
  readonly startedAtMs: number;
  readonly kvCapacityTokens: number;
  requestSuccess = 0;
  promptTokens = 0;
  generationTokens = 0;
  waiting = 0;
  running = 0;
  kvUsage = 0;
  readonly ttftSeconds = new SimHistogram(ttftBuckets);
  readonly itlSeconds = new SimHistogram(itlBuckets);
  readonly e2eSeconds = new SimHistogram(requestLatencyBuckets);
  readonly queueSeconds = new SimHistogram(requestLatencyBuckets);
  readonly promptLength = new SimHistogram(tokenBuckets);
  readonly generationLength = new SimHistogram(tokenBuckets);

  constructor(modelName: string, startedAtMs: number, kvCapacityTokens: number) {
    this.modelName = modelName;
    this.startedAtMs = startedAtMs;
    this.kvCapacityTokens = kvCapacityTokens;
  }

  /** The page as vLLM would serve it. */
  render(): string {
    const model = this.modelName.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    const base = `engine="0",model_name="${model}"`;
    const lines: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.');
    lines.push(`process_start_time_seconds ${this.startedAtMs / 1000}`);
    family('vllm:num_requests_running', 'gauge', 'Number of requests in model execution batches.');
    lines.push(`vllm:num_requests_running{${base}} ${this.running}`);
    family('vllm:num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.');
    lines.push(`vllm:num_requests_waiting{${base}} ${this.waiting}`);
    family('vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.');
    lines.push(`vllm:kv_cache_usage_perc{${base}} ${this.kvUsage}`);
    family('vllm:cache_config_info', 'gauge', 'Information of the LLMEngine CacheConfig');
    const blocks = Math.floor(this.kvCapacityTokens / blockSize);
    lines.push(`vllm:cache_config_info{block_size="${blockSize}",engine="0",num_gpu_blocks="${blocks}"} 1.0`);
    family('vllm:request_success_total', 'counter', 'Count of successfully processed requests.');
    lines.push(
      `vllm:request_success_total{engine="0",finished_reason="stop",model_name="${model}"} ${this.requestSuccess}`,
    );
    family('vllm:prompt_tokens_total', 'counter', 'Number of prefill tokens processed.');
    lines.push(`vllm:prompt_tokens_total{${base}} ${this.promptTokens}`);
    family('vllm:generation_tokens_total', 'counter', 'Number of generation tokens processed.');
    lines.push(`vllm:generation_tokens_total{${base}} ${this.generationTokens}`);
    const histogram = (name: string, help: string, h: SimHistogram): void => {
      family(name, 'histogram', help);
      const cumulative = h.cumulative();
      h.bounds.forEach((le, i) => {
        lines.push(`${name}_bucket{engine="0",le="${le}",model_name="${model}"} ${cumulative[i] ?? 0}`);
      });
      lines.push(`${name}_bucket{engine="0",le="+Inf",model_name="${model}"} ${h.count}`);
      lines.push(`${name}_count{${base}} ${h.count}`, `${name}_sum{${base}} ${h.sum}`);
    };
    histogram(
      'vllm:time_to_first_token_seconds',
      'Histogram of time to first token in seconds.',
      this.ttftSeconds,
    );
    histogram(
      'vllm:inter_token_latency_seconds',
      'Histogram of inter-token latency in seconds.',
      this.itlSeconds,
    );
    histogram(
      'vllm:e2e_request_latency_seconds',
      'Histogram of e2e request latency in seconds.',
      this.e2eSeconds,
    );
    histogram(
      'vllm:request_queue_time_seconds',
      'Histogram of time spent in WAITING phase for request.',
      this.queueSeconds,
    );
    histogram('vllm:request_prompt_tokens', 'Number of prefill tokens processed.', this.promptLength);
    histogram(
      'vllm:request_generation_tokens',
      'Number of generation tokens processed.',
      this.generationLength,
    );
    lines.push('');
    return lines.join('\n');
  }
}
