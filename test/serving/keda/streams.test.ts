// SPDX-License-Identifier: Apache-2.0
// StreamIsActive and StreamMetricSpec over the wire: what is pushed when, and that every stream gives
// its board subscription back (docs/reference.md §B.1, §B.2.8).
import { connect } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { externalScalerService } from '../../../src/serving/keda/proto.js';
import { seconds, t0 } from '../../helpers/spec.js';
import {
  collect,
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

async function subscriptions(count: number): Promise<void> {
  await vi.waitFor(() => {
    expect(harness.board.liveSubscriptions).toBe(count);
  });
}

const idle: PolicyShape = { load: { prefillLoad: 0, decodeLoad: 0 } };
const demand: PolicyShape = { load: { prefillLoad: 3, decodeLoad: 0 } };
const atZero = { currentReplicas: { prefill: 0, decode: 0 } };
const running = { currentReplicas: { prefill: 2, decode: 0 } };

describe('StreamIsActive', () => {
  it.each([
    {
      name: 'pushes true when prefill at zero (adapter spec) gets demand',
      before: [{ ...idle, ...atZero }],
      after: [{ ...demand, ...atZero }],
      want: [{ result: true }],
    },
    {
      name: "pushes true when prefill at zero (the decision's count) gets demand",
      before: [idle],
      after: [demand],
      want: [{ result: true }],
    },
    {
      name: 'pushes nothing when prefill has replicas and gets more demand',
      before: [{ ...idle, ...running }],
      after: [{ ...demand, ...running }],
      want: [],
    },
    {
      name: 'pushes nothing, not even false, while prefill at zero stays idle',
      before: [idle],
      after: [idle, idle],
      want: [],
    },
    {
      name: 'pushes nothing when the new decision is too old to act on',
      before: [idle],
      after: [demand],
      nowMs: t0 + seconds(120),
      want: [],
    },
    {
      name: 'pushes nothing when demand stays at the activation threshold',
      metadata: { activationThreshold: '3' },
      before: [idle],
      after: [demand],
      want: [],
    },
    {
      name: 'pushes nothing when only the other role gets demand',
      metadata: { role: 'decode' },
      before: [idle],
      after: [demand],
      want: [],
    },
    {
      name: 'pushes nothing when another policy at zero gets demand',
      before: [idle, { ...idle, name: 'code' }],
      after: [{ ...demand, name: 'code' }],
      want: [],
    },
  ])('$name', async ({ metadata, before, after, nowMs, want }) => {
    for (const shape of before) publishPolicy(harness.board, shape);
    const stream = collect(
      harness.client.streamIsActive(triggerRef({ policy: 'chat', role: 'prefill', ...metadata })),
    );
    await subscriptions(1);
    harness.clock.nowMs = nowMs ?? t0;
    for (const shape of after) publishPolicy(harness.board, shape);
    // Ending the stream from the server delivers everything sent before it, in order.
    await harness.scaler.close();
    expect(await stream.status).toMatchObject({ code: status.OK });
    expect(stream.messages).toEqual(want);
  });

  it('pushes true on open when the role is already at zero with demand', async () => {
    publishPolicy(harness.board, { ...demand, ...atZero });
    const stream = collect(harness.client.streamIsActive(triggerRef({ policy: 'chat', role: 'prefill' })));
    expect(await stream.received(1)).toEqual([{ result: true }]);
  });

  it('pushes nothing on open when the role at zero is idle or has no decision yet', async () => {
    publishPolicy(harness.board, { ...idle, ...atZero });
    publishPolicy(harness.board, { ...atZero, name: 'code', noDecision: true });
    const streams = ['chat', 'code'].map((policy) =>
      collect(harness.client.streamIsActive(triggerRef({ policy, role: 'prefill' }))),
    );
    await subscriptions(2);
    await harness.scaler.close();
    for (const stream of streams) expect(stream.messages).toEqual([]);
  });

  it('survives cancel and reopen: the new stream gets the push and the old subscription is released', async () => {
    publishPolicy(harness.board, idle);
    const ref = triggerRef({ policy: 'chat', role: 'prefill' });
    const first = harness.client.streamIsActive(ref);
    const firstCollected = collect(first);
    await subscriptions(1);
    first.cancel();
    expect(await firstCollected.status).toMatchObject({ code: status.CANCELLED });
    await subscriptions(0);

    const second = collect(harness.client.streamIsActive(ref));
    await subscriptions(1);
    publishPolicy(harness.board, demand);
    expect(await second.received(1)).toEqual([{ result: true }]);
    expect(firstCollected.messages).toEqual([]);
    expect(harness.board.liveSubscriptions).toBe(1);
  });

  it('releases the subscription when the client connection drops without a cancel', async () => {
    publishPolicy(harness.board, idle);
    // A raw HTTP/2 gRPC call, so the test can drop the TCP connection as a dying KEDA pod would.
    const session = connect(`http://${harness.scaler.address}`);
    const method = externalScalerService().StreamIsActive;
    const message = method.requestSerialize(triggerRef({ policy: 'chat', role: 'prefill' }));
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt32BE(message.length, 1);
    message.copy(frame, 5);
    const request = session.request({
      ':method': 'POST',
      ':path': method.path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    request.on('error', () => undefined);
    request.end(frame);
    await subscriptions(1);
    session.destroy();
    await subscriptions(0);
  });

  it('answers NOT_FOUND on open for an unknown policy and holds no subscription', async () => {
    publishPolicy(harness.board, idle);
    const stream = collect(harness.client.streamIsActive(triggerRef({ policy: 'nope', role: 'prefill' })));
    expect(await stream.status).toMatchObject({ code: status.NOT_FOUND });
    expect(harness.board.liveSubscriptions).toBe(0);
  });
});

describe('StreamMetricSpec', () => {
  it('sends the current spec on open, the same GetMetricSpec returns', async () => {
    publishPolicy(harness.board, idle);
    const ref = triggerRef({ policy: 'chat', role: 'decode', metric: 'decode-kv-usage', target: '0.75' });
    const stream = collect(harness.client.streamMetricSpec(ref));
    expect(await stream.received(1)).toEqual([await harness.client.getMetricSpec(ref)]);
    expect(stream.messages[0]?.metricSpecs).toEqual([
      { metricName: 'pdscaler_default_chat_decode-kv-usage', targetSize: 1, targetSizeFloat: 0.75 },
    ]);
  });

  it('sends again only when the spec changes, and GetMetricSpec follows the last one sent', async () => {
    publishPolicy(harness.board, idle);
    // From namespace team-a the bare name resolves to default/chat until team-a publishes its own chat.
    const ref = triggerRef({ policy: 'chat', role: 'prefill' }, { namespace: 'team-a' });
    const stream = collect(harness.client.streamMetricSpec(ref));
    await stream.received(1);
    await subscriptions(1);
    publishPolicy(harness.board, demand);
    publishPolicy(harness.board, { ...idle, namespace: 'team-a' });
    publishPolicy(harness.board, { ...demand, namespace: 'team-a' });
    const names = (await stream.received(2)).map((m) => m.metricSpecs[0]?.metricName);
    expect(names).toEqual([
      'pdscaler_default_chat_prefill-desired-replicas',
      'pdscaler_team-a_chat_prefill-desired-replicas',
    ]);
    expect((await harness.client.getMetricSpec(ref)).metricSpecs[0]?.metricName).toBe(names[1]);
    await harness.scaler.close();
    expect(stream.messages).toHaveLength(2);
  });
});

describe('closing the scaler', () => {
  it('ends every open stream with OK and releases their subscriptions', async () => {
    publishPolicy(harness.board, idle);
    const ref = triggerRef({ policy: 'chat', role: 'prefill' });
    const streams = [
      collect(harness.client.streamIsActive(ref)),
      collect(harness.client.streamMetricSpec(ref)),
    ];
    await subscriptions(2);
    await harness.scaler.close();
    for (const stream of streams) expect(await stream.status).toMatchObject({ code: status.OK });
    expect(harness.board.liveSubscriptions).toBe(0);
  });
});
