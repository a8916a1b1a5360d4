// SPDX-License-Identifier: Apache-2.0
// A policy's `spec.metrics.prometheus` reaches the wire: the role's selector, the SLO quantile, the
// window and a per-signal override, queried against a canned Prometheus.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyBytes } from '../../../src/policy/load.js';
import { roleSignalsRequest } from '../../../src/sources/prometheus/from-policy.js';
import { queryRoleSignals, toRoleObservation } from '../../../src/sources/prometheus/source.js';
import { startFakePrometheus, vectorBody, type FakePrometheus } from '../../fakes/fake-prometheus.js';

const policy = (url: string) => `apiVersion: pdscaler.io/v1alpha1
kind: ScalingPolicy
metadata: { name: chat, namespace: serving }
spec:
  target: { rbg: llama }
  roles: { prefill: { roleName: pf, maxReplicas: 4 }, decode: { maxReplicas: 4 } }
  slo: { quantile: p95, ttftMs: 500, tpotMs: 50 }
  capacity: { explicit: { prefillTokensPerSecondPerReplica: 1000, decodeMaxBatchPerReplica: 8, decodeItlAtMaxBatchMs: 20 } }
  metrics:
    source: prometheus
    model: llama-3
    prometheus:
      url: ${url}
      window: 2m
      queries:
        waitingRequests: 'sum(my_gateway_queue{<<selector>>})'
`;

let prometheus: FakePrometheus;
beforeAll(async () => {
  prometheus = await startFakePrometheus((query, time) => ({
    kind: 'json',
    body: vectorBody(time, [[{}, query.startsWith('sum(my_gateway_queue') ? '7' : '1']]),
  }));
});
afterAll(async () => {
  await prometheus.close();
});

describe('roleSignalsRequest', () => {
  it('queries with the policy role, quantile, window, model and overrides', async () => {
    const loaded = loadPolicyBytes('p.yaml', Buffer.from(policy(prometheus.url)));
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
    const request = roleSignalsRequest(loaded.spec, loaded.metrics, 'prefill');
    expect(request).toBeDefined();
    if (request === undefined) return;
    const signals = await queryRoleSignals(request, () => Date.UTC(2026, 0, 5));
    const queries = prometheus.requests.map((r) => r.params.get('query') ?? '');
    expect(queries).toContain(
      'sum(my_gateway_queue{namespace="serving",rbg_workloads_x_k8s_io_group_name="llama",rbg_workloads_x_k8s_io_role_name="pf",model_name="llama-3"})',
    );
    const ttft = queries.find((q) => q.includes('time_to_first_token')) ?? '';
    expect(ttft).toContain('histogram_quantile(0.95,');
    expect(ttft).toContain('[2m]');
    expect(toRoleObservation(signals, 'p95').waitingRequests?.value).toBe(7);
  });

  it('gives nothing for a policy that scrapes engines', () => {
    const loaded = loadPolicyBytes(
      'p.yaml',
      Buffer.from(policy('http://x:9090').replace('source: prometheus', 'source: engines')),
    );
    expect(loaded.ok && roleSignalsRequest(loaded.spec, loaded.metrics, 'decode')).toBeUndefined();
  });
});
