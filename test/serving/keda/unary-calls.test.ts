// SPDX-License-Identifier: Apache-2.0
// GetMetricSpec, GetMetrics and IsActive over the wire, answered from published decisions
// (docs/reference.md §B.2.3, §B.2.5, §B.2.6, §B.2.7).
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScaledObjectRef } from '../../../src/serving/keda/proto.js';
import { kedaMetricNamePattern } from '../../../src/serving/keda/metric-name.js';
import type { Observation } from '../../../src/decision/types.js';
import { observedAt, seconds, t0 } from '../../helpers/spec.js';
import {
  callError,
  publishPolicy,
  startHarness,
  triggerRef,
  type Harness,
  type PolicyShape,
} from './harness.js';

let harness: Harness;
beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await harness.close();
});

const kv = (value: number): PolicyShape => ({ decode: { kvCacheUsage: { value, atMs: t0 } } });

async function metricNameOf(ref: ScaledObjectRef): Promise<string> {
  return (await harness.client.getMetricSpec(ref)).metricSpecs[0]?.metricName ?? '';
}

describe('GetMetricSpec', () => {
  it.each([
    {
      name: 'desired replicas default to a target of 1',
      metadata: { policy: 'chat', role: 'prefill' },
      want: {
        metricName: 'pdscaler_default_chat_prefill-desired-replicas',
        targetSize: 1,
        targetSizeFloat: 1,
      },
    },
    {
      name: 'a fractional target keeps the float and rounds the int up to at least 1',
      metadata: { policy: 'chat', role: 'decode', metric: 'decode-kv-usage', target: '0.8' },
      want: { metricName: 'pdscaler_default_chat_decode-kv-usage', targetSize: 1, targetSizeFloat: 0.8 },
    },
    {
      name: 'a large target rounds the int to nearest',
      metadata: { policy: 'chat', role: 'prefill', metric: 'prefill-queue-tokens', target: '8000.6' },
      want: {
        metricName: 'pdscaler_default_chat_prefill-queue-tokens',
        targetSize: 8001,
        targetSizeFloat: 8000.6,
      },
    },
  ])('returns one spec with both target fields: $name', async ({ metadata, want }) => {
    publishPolicy(harness.board, kv(0.4));
    const response = await harness.client.getMetricSpec(triggerRef(metadata));
    expect(response.metricSpecs).toEqual([want]);
    expect(want.metricName).toMatch(kedaMetricNamePattern);
  });

  it('returns the same spec on every call and across decisions', async () => {
    const ref = triggerRef({ policy: 'chat', role: 'prefill' });
    publishPolicy(harness.board, { load: { prefillLoad: 1 } });
    const first = await harness.client.getMetricSpec(ref);
    publishPolicy(harness.board, { load: { prefillLoad: 5 } });
    expect(await harness.client.getMetricSpec(ref)).toEqual(first);
  });

  it('answers before the first decision: the spec does not depend on data', async () => {
    publishPolicy(harness.board, { noDecision: true });
    const response = await harness.client.getMetricSpec(triggerRef({ policy: 'chat', role: 'decode' }));
    expect(response.metricSpecs).toHaveLength(1);
  });
});

describe('GetMetrics', () => {
  it.each([
    {
      name: '3 desired prefill replicas are 3 in both fields',
      shape: { load: { prefillLoad: 3 } },
      metadata: { policy: 'chat', role: 'prefill' },
      want: { metricValue: 3, metricValueFloat: 3 },
    },
    {
      name: 'KV usage 0.42 is 0.42 as a float and 0 as an int',
      shape: kv(0.42),
      metadata: { policy: 'chat', role: 'decode', metric: 'decode-kv-usage', target: '0.8' },
      want: { metricValue: 0, metricValueFloat: 0.42 },
    },
    {
      name: 'a request rate of 25.5/s rounds the int to 26',
      shape: { load: { prefillLoad: 2.55 } },
      metadata: { policy: 'chat', role: 'prefill', metric: 'prefill-request-rate', target: '10' },
      want: { metricValue: 26, metricValueFloat: 25.5 },
    },
    {
      name: 'zero desired replicas are 0 in both fields',
      shape: { load: { prefillLoad: 0, decodeLoad: 0 } },
      metadata: { policy: 'chat', role: 'decode' },
      want: { metricValue: 0, metricValueFloat: 0 },
    },
  ])('returns exactly one value named as requested: $name', async ({ shape, metadata, want }) => {
    publishPolicy(harness.board, shape);
    const ref = triggerRef(metadata);
    const metricName = await metricNameOf(ref);
    const response = await harness.client.getMetrics({ scaledObjectRef: ref, metricName });
    expect(response.metricValues).toEqual([{ metricName, ...want }]);
  });

  describe('a held role: a hold decided on fresh data is a decision', () => {
    // Prefill has 5 Ready replicas; each case takes away or ages what its decision needs.
    const load = { prefillLoad: 2, ready: { prefill: 5 } };
    const withoutRate = (o: Observation): Observation => {
      const { requestRatePerS: _dropped, ...prefill } = o.roles.prefill;
      return { roles: { ...o.roles, prefill } };
    };
    const aged = (o: Observation): Observation => ({
      roles: { ...o.roles, prefill: observedAt(o, t0 - seconds(61)).roles.prefill },
    });
    const ref = triggerRef({ policy: 'chat', role: 'prefill' });

    it('answers a hold on a missing rate beside fresh gauges with the held replica count', async () => {
      const entry = publishPolicy(harness.board, { load, observe: withoutRate });
      expect(entry.decision?.roles.prefill.boundBy).toBe('missing-metrics');
      const metricName = await metricNameOf(ref);
      const response = await harness.client.getMetrics({ scaledObjectRef: ref, metricName });
      expect(response.metricValues).toEqual([{ metricName, metricValue: 5, metricValueFloat: 5 }]);
      expect(await harness.client.isActive(ref)).toEqual({ result: true });
    });

    it('is UNAVAILABLE for a hold on stale data: KEDA’s fallback may take over', async () => {
      const entry = publishPolicy(harness.board, { load, observe: aged });
      expect(entry.decision?.roles.prefill.boundBy).toBe('stale-metrics');
      const metricName = await metricNameOf(ref);
      const error = await callError(harness.client.getMetrics({ scaledObjectRef: ref, metricName }));
      expect(error.code).toBe(status.UNAVAILABLE);
      expect(error.details).toContain('prefill holds at 5 replicas on stale data: ');
    });

    it('is UNAVAILABLE for the same held count once the decision is older than the loop explains', async () => {
      publishPolicy(harness.board, { load, observe: withoutRate });
      harness.clock.nowMs = t0 + seconds(61);
      const metricName = await metricNameOf(ref);
      const error = await callError(harness.client.getMetrics({ scaledObjectRef: ref, metricName }));
      expect(error.code).toBe(status.UNAVAILABLE);
      expect(error.details).toContain('the last decision for default/chat is 61 s old');
    });
  });

  it('rejects a metric name that is not the trigger’s with INVALID_ARGUMENT', async () => {
    publishPolicy(harness.board);
    const ref = triggerRef({ policy: 'chat', role: 'prefill' });
    const error = await callError(
      harness.client.getMetrics({
        scaledObjectRef: ref,
        metricName: 'pdscaler_default_chat_decode-desired-replicas',
      }),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toBe(
      'metricName "pdscaler_default_chat_decode-desired-replicas" is not this trigger\'s metric: GetMetricSpec returns "pdscaler_default_chat_prefill-desired-replicas"',
    );
  });

  it.each([
    {
      name: 'no decision yet',
      shape: { noDecision: true },
      metadata: { policy: 'chat', role: 'prefill' },
      message: 'policy default/chat has no decision yet',
    },
    {
      name: 'a decision the loop has not refreshed',
      shape: {},
      metadata: { policy: 'chat', role: 'prefill' },
      nowMs: t0 + seconds(61),
      message: 'the last decision for default/chat is 61 s old: the loop is not keeping up',
    },
    {
      name: 'a metric that is not measured',
      shape: {},
      metadata: { policy: 'chat', role: 'decode', metric: 'decode-kv-usage', target: '0.8' },
      message: 'decode KV cache usage is not measured right now',
    },
    {
      name: 'a stale measurement',
      shape: kv(0.5),
      metadata: { policy: 'chat', role: 'decode', metric: 'decode-kv-usage', target: '0.8' },
      nowMs: t0 + seconds(90),
      message: 'decode KV cache usage is stale: last measured 90 s ago',
    },
  ])(
    'is UNAVAILABLE with the reason for $name, never a made-up value',
    async ({ shape, metadata, nowMs, message }) => {
      publishPolicy(harness.board, shape);
      harness.clock.nowMs = nowMs ?? t0;
      const ref = triggerRef(metadata);
      const metricName = await metricNameOf(ref);
      const error = await callError(harness.client.getMetrics({ scaledObjectRef: ref, metricName }));
      expect(error.code).toBe(status.UNAVAILABLE);
      expect(error.details).toContain(message);
    },
  );
});

describe('IsActive', () => {
  it.each([
    { name: 'desired replicas above 0', shape: { load: { prefillLoad: 3 } }, metadata: {}, want: true },
    { name: 'no desired replicas', shape: { load: { prefillLoad: 0 } }, metadata: {}, want: false },
    {
      name: 'desired replicas at the activation threshold',
      shape: { load: { prefillLoad: 3 } },
      metadata: { activationThreshold: '3' },
      want: false,
    },
    {
      name: 'desired replicas above a fractional threshold',
      shape: { load: { prefillLoad: 3 } },
      metadata: { activationThreshold: '2.5' },
      want: true,
    },
    {
      name: 'a fractional value under its threshold',
      shape: kv(0.42),
      metadata: { role: 'decode', metric: 'decode-kv-usage', target: '0.8', activationThreshold: '0.5' },
      want: false,
    },
    {
      name: 'a fractional value over its threshold',
      shape: kv(0.62),
      metadata: { role: 'decode', metric: 'decode-kv-usage', target: '0.8', activationThreshold: '0.5' },
      want: true,
    },
  ])('is $want for $name', async ({ shape, metadata, want }) => {
    publishPolicy(harness.board, shape);
    const response = await harness.client.isActive(
      triggerRef({ policy: 'chat', role: 'prefill', ...metadata }),
    );
    expect(response).toEqual({ result: want });
  });

  it('is UNAVAILABLE, not inactive, when data is missing: inactive would let KEDA scale to zero', async () => {
    publishPolicy(harness.board, { noDecision: true });
    const error = await callError(harness.client.isActive(triggerRef({ policy: 'chat', role: 'prefill' })));
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.details).toBe('policy default/chat has no decision yet');
  });
});
