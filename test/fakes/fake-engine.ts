// SPDX-License-Identifier: Apache-2.0
// A fake vLLM V1 engine: serves a `/metrics` page shaped like a real vLLM capture (`vllm:` families,
// labels `engine` and `model_name`, `_total` counters with `_created` gauges, default bucket sets)
// whose counters and histograms grow linearly with time at known rates, so every PromQL `rate`,
// mean and `histogram_quantile` over the page has a value computable by hand.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Observations per second at one value, e.g. `{ value: 0.2, perS: 6 }` = six 200 ms TTFTs a second. */
export interface ObservationRate {
  readonly value: number;
  readonly perS: number;
}

export interface FakeVllmSpec {
  readonly modelName: string;
  /** Data-parallel engines (label `engine` = "0", "1", ...); rates and gauges are split evenly. @default 1 */
  readonly engines?: number;
  /** Finished requests per second (`vllm:request_success_total{finished_reason="stop"}`). */
  readonly requestsPerS: number;
  readonly promptTokens: readonly ObservationRate[];
  readonly generationTokens: readonly ObservationRate[];
  readonly ttftSeconds: readonly ObservationRate[];
  readonly itlSeconds: readonly ObservationRate[];
  readonly waiting: number;
  readonly running: number;
  /** Per engine, 0..1. */
  readonly kvCacheUsage: number;
}

export interface FakeEngine {
  readonly url: string;
  /** `host:port` for a Prometheus static target. */
  readonly target: string;
  /** How many times `/metrics` was served. */
  readonly scrapes: () => number;
  close(): Promise<void>;
}

// vLLM V1 default buckets (docs/reference.md §C.1.3).
const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640,
  2560,
];
const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
];
const TOKEN_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000];

/** Counters start as if the engine had already run this long, so PromQL never extrapolates to zero. */
const AGE_S = 1000;

/** The page at `nowMs` for an engine started at `startMs`. */
/**
 * A steady vLLM pod: `requestsPerS` of 1,000-token prompts and 100-token answers at TTFT 0.2 s and
 * ITL 20 ms, `running` requests in flight, 30% KV cache used.
 */
export function steadyVllmSpec(requestsPerS: number, running: number): FakeVllmSpec {
  return {
    modelName: 'llama',
    requestsPerS,
    promptTokens: [{ value: 1000, perS: requestsPerS }],
    generationTokens: [{ value: 100, perS: requestsPerS }],
    ttftSeconds: [{ value: 0.2, perS: requestsPerS }],
    itlSeconds: [{ value: 0.02, perS: requestsPerS * 100 }],
    waiting: 0,
    running,
    kvCacheUsage: 0.3,
  };
}

export function renderVllmPage(spec: FakeVllmSpec, startMs: number, nowMs: number): string {
  const elapsedS = AGE_S + (nowMs - startMs) / 1000;
  const engines = spec.engines ?? 1;
  const createdS = (startMs / 1000 - AGE_S).toFixed(3);
  const labels = (engine: number, extra = ''): string =>
    `{engine="${engine}",${extra}model_name="${spec.modelName}"}`;
  const lines: string[] = [];
  const family = (name: string, type: string, help: string): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const perEngine = (write: (engine: number) => void): void => {
    for (let engine = 0; engine < engines; engine++) write(engine);
  };

  family('vllm:num_requests_running', 'gauge', 'Number of requests in model execution batches.');
  perEngine((e) => lines.push(`vllm:num_requests_running${labels(e)} ${spec.running / engines}`));
  family('vllm:num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.');
  perEngine((e) => lines.push(`vllm:num_requests_waiting${labels(e)} ${spec.waiting / engines}`));
  family('vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.');
  perEngine((e) => lines.push(`vllm:kv_cache_usage_perc${labels(e)} ${spec.kvCacheUsage}`));

  family('vllm:request_success_total', 'counter', 'Count of successfully processed requests.');
  perEngine((e) =>
    lines.push(
      `vllm:request_success_total${labels(e, 'finished_reason="stop",')} ${(spec.requestsPerS / engines) * elapsedS}`,
      `vllm:request_success_total${labels(e, 'finished_reason="length",')} 0.0`,
    ),
  );
  family('vllm:request_success_created', 'gauge', 'Count of successfully processed requests.');
  perEngine((e) =>
    lines.push(`vllm:request_success_created${labels(e, 'finished_reason="stop",')} ${createdS}`),
  );

  const histogram = (
    name: string,
    help: string,
    bounds: readonly number[],
    rates: readonly ObservationRate[],
  ) => {
    family(name, 'histogram', help);
    perEngine((e) => {
      const scale = elapsedS / engines;
      for (const le of [...bounds, Infinity]) {
        const count = rates.filter((r) => r.value <= le).reduce((n, r) => n + r.perS, 0) * scale;
        const leText = le === Infinity ? '+Inf' : String(le);
        lines.push(`${name}_bucket${labels(e, `le="${leText}",`)} ${count}`);
      }
      lines.push(`${name}_count${labels(e)} ${rates.reduce((n, r) => n + r.perS, 0) * scale}`);
      lines.push(`${name}_sum${labels(e)} ${rates.reduce((n, r) => n + r.perS * r.value, 0) * scale}`);
    });
    family(`${name}_created`, 'gauge', help);
    perEngine((e) => lines.push(`${name}_created${labels(e)} ${createdS}`));
  };
  histogram(
    'vllm:time_to_first_token_seconds',
    'Histogram of time to first token in seconds.',
    TTFT_BUCKETS,
    spec.ttftSeconds,
  );
  histogram(
    'vllm:inter_token_latency_seconds',
    'Histogram of inter-token latency in seconds.',
    ITL_BUCKETS,
    spec.itlSeconds,
  );
  histogram(
    'vllm:request_prompt_tokens',
    'Number of prefill tokens processed.',
    TOKEN_BUCKETS,
    spec.promptTokens,
  );
  histogram(
    'vllm:request_generation_tokens',
    'Number of generation tokens processed.',
    TOKEN_BUCKETS,
    spec.generationTokens,
  );
  return `${lines.join('\n')}\n`;
}

/** Serves `renderVllmPage` on 127.0.0.1:0 at `/metrics`, with values taken from `clock()` at each scrape. */
export async function startFakeVllm(spec: FakeVllmSpec, clock: () => number = Date.now): Promise<FakeEngine> {
  const startMs = clock();
  let scrapes = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrapes++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(renderVllmPage(spec, startMs, clock()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    target: `127.0.0.1:${port}`,
    scrapes: () => scrapes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
