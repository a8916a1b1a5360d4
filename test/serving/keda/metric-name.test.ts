// SPDX-License-Identifier: Apache-2.0
// Metric names a KEDA trigger gets: valid HPA path segments, unique per policy and metric
// (docs/reference.md §B.2.4).
import { afterEach, describe, expect, it } from 'vitest';
import { ServedMetrics, roleOfMetric } from '../../../src/serving/metric-values.js';
import { kedaMetricName, kedaMetricNamePattern } from '../../../src/serving/keda/metric-name.js';
import { publishPolicy, startHarness, triggerRef, type Harness } from './harness.js';

const longNamespace = 'n'.repeat(63);
const longPolicy = `llama-3-1-405b-instruct-fp8-chat-${'x'.repeat(25)}-h200`; // 63 characters

describe('kedaMetricName', () => {
  it.each(ServedMetrics)('gives %s a valid name even for 63-character namespace and policy', (metric) => {
    const name = kedaMetricName(longNamespace, longPolicy, metric);
    expect(name).toMatch(kedaMetricNamePattern);
    expect(name).toBe(`pdscaler_${longNamespace}_${longPolicy}_${metric}`);
  });

  it('names a typical trigger readably', () => {
    expect(kedaMetricName('serving', 'chat', 'prefill-desired-replicas')).toBe(
      'pdscaler_serving_chat_prefill-desired-replicas',
    );
  });

  it('gives every metric of a policy its own name', () => {
    const names = ServedMetrics.map((metric) => kedaMetricName('serving', 'chat', metric));
    expect(new Set(names).size).toBe(ServedMetrics.length);
  });

  it('keeps namespace and policy apart when dashes could shift between them', () => {
    expect(kedaMetricName('a-b', 'c', 'decode-kv-usage')).not.toBe(
      kedaMetricName('a', 'b-c', 'decode-kv-usage'),
    );
  });

  it.each([
    { namespace: 'serving', policy: 'Chat.V2' },
    { namespace: 'serving', policy: 'chat.v2' },
    { namespace: 'serving', policy: 'chat-v2-' },
    { namespace: 'ns_x', policy: 'chat' },
    { namespace: '', policy: '---' },
  ])('turns non-DNS-label parts ($namespace, $policy) into a valid name', ({ namespace, policy }) => {
    const name = kedaMetricName(namespace, policy, 'prefill-ttft-ms');
    expect(name).toMatch(kedaMetricNamePattern);
    expect(name).toBe(kedaMetricName(namespace, policy, 'prefill-ttft-ms'));
  });

  it('keeps rewritten names unique when two parts rewrite to the same label', () => {
    const a = kedaMetricName('serving', 'Chat.V2', 'prefill-ttft-ms');
    const b = kedaMetricName('serving', 'chat.v2', 'prefill-ttft-ms');
    const c = kedaMetricName('serving', 'chat-v2', 'prefill-ttft-ms');
    expect(new Set([a, b, c]).size).toBe(3);
  });
});

describe('a long policy name over the wire', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it.each(ServedMetrics)('serves %s under a valid name KEDA can ask for', async (metric) => {
    harness = await startHarness();
    publishPolicy(harness.board, {
      name: longPolicy,
      namespace: longNamespace,
      decode: { kvCacheUsage: { value: 0.5, atMs: harness.clock.nowMs } },
      load: { ttftMs: 300, tpotMs: 30 },
    });
    const ref = triggerRef(
      { policy: `${longNamespace}/${longPolicy}`, role: roleOfMetric(metric), metric, target: '2' },
      { namespace: 'elsewhere' },
    );
    const spec = await harness.client.getMetricSpec(ref);
    const metricName = spec.metricSpecs[0]?.metricName ?? '';
    expect(metricName).toMatch(kedaMetricNamePattern);
    const values = await harness.client.getMetrics({ scaledObjectRef: ref, metricName });
    expect(values.metricValues.map((v) => v.metricName)).toEqual([metricName]);
  });
});
