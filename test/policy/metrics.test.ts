// SPDX-License-Identifier: Apache-2.0
// `spec.metrics`: where role metrics come from, compiled with defaults, every problem at its place.
import { describe, expect, it } from 'vitest';
import { loadPolicyBytes } from '../../src/policy/load.js';
import { formatIssue } from '../../src/policy/issue.js';

const base = `apiVersion: pdscaler.io/v1alpha1
kind: ScalingPolicy
metadata: { name: m }
spec:
  target: { rbg: m }
  roles: { prefill: { maxReplicas: 2 }, decode: { maxReplicas: 2 } }
  slo: { ttftMs: 500, tpotMs: 50 }
  capacity: { explicit: { prefillTokensPerSecondPerReplica: 1000, decodeMaxBatchPerReplica: 8, decodeItlAtMaxBatchMs: 20 } }
`;
const load = (metrics: string) => loadPolicyBytes('p.yaml', Buffer.from(base + metrics));

describe('spec.metrics', () => {
  it('defaults to scraping vLLM pods every 15 s, 2 s per pod, stale after 3 misses', () => {
    const result = load('');
    expect(result.ok && result.metrics).toEqual({
      source: 'engines',
      engine: 'vllm',
      intervalS: 15,
      model: undefined,
      scrape: { port: undefined, path: undefined, timeoutMs: 2000, staleAfterMisses: 3 },
      prometheus: undefined,
    });
  });

  it('takes the loop interval from spec.metrics.interval', () => {
    const result = load(`  metrics:
    interval: 30s
`);
    expect(result.ok && result.metrics.intervalS).toBe(30);
  });

  it('compiles a Prometheus source with a query override', () => {
    const result = load(`  metrics:
    source: prometheus
    engine: sglang
    prometheus:
      url: http://prometheus:9090
      window: 2m
      queries:
        waitingRequests: 'sum(sglang:num_queue_reqs{<<selector>>})'
`);
    expect(result.ok && result.metrics.prometheus).toEqual({
      url: 'http://prometheus:9090',
      windowS: 120,
      timeoutMs: 2000,
      queries: { waitingRequests: 'sum(sglang:num_queue_reqs{<<selector>>})' },
    });
  });

  it.each([
    {
      name: 'a Prometheus source without a URL',
      metrics: '  metrics:\n    source: prometheus\n',
      want: ['p.yaml:10:13: spec.metrics.source = "prometheus" needs spec.metrics.prometheus.url'],
    },
    {
      name: 'a relative scrape path and a URL without a scheme',
      metrics: '  metrics:\n    scrape: { path: metrics, port: 70000 }\n    prometheus: { url: prom:9090 }\n',
      want: [
        'p.yaml:10:21: spec.metrics.scrape.path = "metrics", must be an absolute URL path such as /metrics',
        'p.yaml:10:36: spec.metrics.scrape.port = 70000, must be <= 65535',
        'p.yaml:11:24: spec.metrics.prometheus.url = "prom:9090", must be an http:// or https:// URL',
      ],
    },
    {
      name: 'a query that would read every pod',
      metrics:
        "  metrics:\n    prometheus:\n      url: http://p:9090\n      queries: { ttftMs: 'sum(rate(x[1m]))' }\n",
      want: [
        'p.yaml:12:26: spec.metrics.prometheus.queries.ttftMs: template for ttftMs uses neither <<selector>> nor <<frontend>>: it would read every pod',
      ],
    },
    {
      name: 'an unknown engine and an unknown signal',
      metrics: "  metrics:\n    engine: tgi\n    prometheus: { url: http://p:9090, queries: { qps: 'x' } }\n",
      want: [
        'p.yaml:10:13: spec.metrics.engine = "tgi", must be one of vllm, sglang, dynamo',
        'p.yaml:11:50: spec.metrics.prometheus.queries.qps: unknown key (allowed: requestRatePerS, inputTokensMean, outputTokensMean, ttftMs, tpotMs, waitingRequests, runningRequests, kvCacheUsage)',
      ],
    },
    {
      name: 'a gateway with neither endpoint picker URLs nor Prometheus to read it from',
      metrics: '  gateway: { pool: llama }\n',
      want: [
        'p.yaml:9:3: spec.gateway needs endpoints (the endpoint picker /metrics URLs) or spec.metrics.prometheus',
      ],
    },
    {
      name: 'a Fluid dataset name that is not a DNS name, and a gateway poll that is not a duration',
      metrics:
        '  fluid: { dataset: Llama_Weights }\n  gateway: { pool: p, endpoints: [http://epp:9090/metrics], pollInterval: soon }\n',
      want: [
        'p.yaml:9:21: spec.fluid.dataset = "Llama_Weights", must be a lowercase DNS-1123 label (a-z, 0-9, \'-\')',
        'p.yaml:10:75: spec.gateway.pollInterval = "soon", must be a duration such as 30s, 5m or 1h30m',
      ],
    },
  ])('rejects $name with FILE:LINE:COL', ({ metrics, want }) => {
    const result = load(metrics);
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual(want);
  });
});
