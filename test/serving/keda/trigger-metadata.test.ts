// SPDX-License-Identifier: Apache-2.0
// Trigger metadata over the wire: every bad key is INVALID_ARGUMENT naming the key, an unknown policy is
// NOT_FOUND naming it, and a bare policy name resolves in the ScaledObject's namespace first.
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScaledObjectRef } from '../../../src/serving/keda/proto.js';
import { callError, collect, publishPolicy, startHarness, triggerRef, type Harness } from './harness.js';

let harness: Harness;
beforeEach(async () => {
  harness = await startHarness();
  publishPolicy(harness.board, { load: { prefillLoad: 3 } });
});
afterEach(async () => {
  await harness.close();
});

const prefill = { policy: 'chat', role: 'prefill' };

describe('bad trigger metadata', () => {
  it.each([
    { name: 'no policy', metadata: { role: 'prefill' }, message: 'scalerMetadata.policy is required' },
    {
      name: 'empty policy',
      metadata: { ...prefill, policy: '' },
      message: 'scalerMetadata.policy is required',
    },
    {
      name: 'policy with two slashes',
      metadata: { ...prefill, policy: 'a/b/c' },
      message: 'scalerMetadata.policy must be name or namespace/name, got "a/b/c"',
    },
    {
      name: 'policy with an empty namespace',
      metadata: { ...prefill, policy: '/chat' },
      message: 'scalerMetadata.policy must be name or namespace/name, got "/chat"',
    },
    {
      name: 'no role',
      metadata: { policy: 'chat' },
      message: 'scalerMetadata.role must be prefill or decode, got nothing',
    },
    {
      name: 'unknown role',
      metadata: { ...prefill, role: 'x' },
      message: 'scalerMetadata.role must be prefill or decode, got "x"',
    },
    {
      name: 'role in the wrong case',
      metadata: { ...prefill, role: 'Prefill' },
      message: 'scalerMetadata.role must be prefill or decode, got "Prefill"',
    },
    {
      name: 'unknown metric',
      metadata: { ...prefill, metric: 'prefill-qps', target: '1' },
      message: 'scalerMetadata.metric must be one of prefill-desired-replicas, decode-desired-replicas,',
    },
    {
      name: "another role's metric",
      metadata: { ...prefill, metric: 'decode-kv-usage', target: '0.8' },
      message:
        'scalerMetadata.metric decode-kv-usage belongs to role decode, not to scalerMetadata.role prefill',
    },
    {
      name: 'zero target',
      metadata: { ...prefill, target: '0' },
      message: 'scalerMetadata.target must be a positive number, got "0"',
    },
    {
      name: 'negative target',
      metadata: { ...prefill, target: '-2' },
      message: 'scalerMetadata.target must be a positive number, got "-2"',
    },
    {
      name: 'non-numeric target',
      metadata: { ...prefill, target: 'abc' },
      message: 'scalerMetadata.target must be a positive number, got "abc"',
    },
    {
      name: 'empty target',
      metadata: { ...prefill, target: '' },
      message: 'scalerMetadata.target must be a positive number, got ""',
    },
    {
      name: 'hexadecimal target',
      metadata: { ...prefill, target: '0x10' },
      message: 'scalerMetadata.target must be a positive number, got "0x10"',
    },
    {
      name: 'infinite target',
      metadata: { ...prefill, target: '1e400' },
      message: 'scalerMetadata.target must be a positive number, got "1e400"',
    },
    {
      name: 'no target for a metric other than desired replicas',
      metadata: { policy: 'chat', role: 'decode', metric: 'decode-kv-usage' },
      message: 'scalerMetadata.target is required for metric decode-kv-usage',
    },
    {
      name: 'negative activation threshold',
      metadata: { ...prefill, activationThreshold: '-1' },
      message: 'scalerMetadata.activationThreshold must be a number >= 0, got "-1"',
    },
    {
      name: 'NaN activation threshold',
      metadata: { ...prefill, activationThreshold: 'NaN' },
      message: 'scalerMetadata.activationThreshold must be a number >= 0, got "NaN"',
    },
    {
      name: 'misspelt key',
      metadata: { ...prefill, activationTreshold: '2' },
      message: 'scalerMetadata.activationTreshold is not a pdscaler key',
    },
  ])('$name is INVALID_ARGUMENT naming the key', async ({ metadata, message }) => {
    const error = await callError(harness.client.getMetricSpec(triggerRef(metadata)));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain(message);
  });

  const bad = triggerRef({ policy: 'chat', role: 'x' });
  it.each([
    { method: 'IsActive', call: (h: Harness) => h.client.isActive(bad) },
    {
      method: 'GetMetrics',
      call: (h: Harness) => h.client.getMetrics({ scaledObjectRef: bad, metricName: 'm' }),
    },
    { method: 'StreamIsActive', call: (h: Harness) => collect(h.client.streamIsActive(bad)).status },
    { method: 'StreamMetricSpec', call: (h: Harness) => collect(h.client.streamMetricSpec(bad)).status },
  ])('$method rejects bad metadata the same way', async ({ call }) => {
    const outcome = await call(harness).then(
      (value) => value,
      (error: unknown) => error,
    );
    expect(outcome).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'scalerMetadata.role must be prefill or decode, got "x"',
    });
  });

  it('rejects a GetMetrics request without a scaledObjectRef', async () => {
    const error = await callError(harness.client.getMetrics({ scaledObjectRef: null, metricName: 'm' }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain('scalerMetadata.policy is required');
  });
});

describe('policy resolution', () => {
  it('answers NOT_FOUND naming the policy and listing the published ones', async () => {
    publishPolicy(harness.board, { namespace: 'serving', name: 'code' });
    const error = await callError(
      harness.client.getMetricSpec(triggerRef({ policy: 'nope', role: 'prefill' })),
    );
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details).toBe(
      'policy "nope" not found in namespace "default" or uniquely elsewhere; published policies: default/chat, serving/code',
    );
  });

  it('lists at most 20 published policies in NOT_FOUND', async () => {
    for (let i = 10; i < 35; i++) publishPolicy(harness.board, { namespace: 'serving', name: `p${i}` });
    const error = await callError(
      harness.client.getMetricSpec(triggerRef({ policy: 'nope', role: 'prefill' })),
    );
    expect(error.details).toMatch(
      /published policies: default\/chat, serving\/p10, .*, serving\/p28 and 6 more$/,
    );
  });

  it('answers NOT_FOUND for a namespace/name that is not published', async () => {
    const error = await callError(
      harness.client.getMetricSpec(triggerRef({ policy: 'serving/chat', role: 'prefill' })),
    );
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details).toBe('policy "serving/chat" not found; published policies: default/chat');
  });

  const specName = async (ref: ScaledObjectRef): Promise<string | undefined> =>
    (await harness.client.getMetricSpec(ref)).metricSpecs[0]?.metricName;

  it("resolves a bare name in the ScaledObject's namespace first", async () => {
    publishPolicy(harness.board, { namespace: 'serving' });
    const ref = (namespace: string) => triggerRef({ policy: 'chat', role: 'prefill' }, { namespace });
    expect(await specName(ref('serving'))).toBe('pdscaler_serving_chat_prefill-desired-replicas');
    expect(await specName(ref('default'))).toBe('pdscaler_default_chat_prefill-desired-replicas');
  });

  it('resolves a bare name elsewhere only when exactly one policy has it', async () => {
    const ref = triggerRef({ policy: 'chat', role: 'prefill' }, { namespace: 'team-a' });
    expect(await specName(ref)).toBe('pdscaler_default_chat_prefill-desired-replicas');
    publishPolicy(harness.board, { namespace: 'serving' });
    expect((await callError(specName(ref))).code).toBe(status.NOT_FOUND);
  });

  it('takes namespace/name as written, whatever the ScaledObject namespace', async () => {
    publishPolicy(harness.board, { namespace: 'serving' });
    const ref = triggerRef({ policy: 'serving/chat', role: 'decode' }, { namespace: 'default' });
    expect(await specName(ref)).toBe('pdscaler_serving_chat_decode-desired-replicas');
  });
});
