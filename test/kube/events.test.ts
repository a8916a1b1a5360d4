// SPDX-License-Identifier: Apache-2.0
// Events on the RoleBasedGroup against the fake cluster: the object shape `kubectl describe` reads,
// client-go-style folding of repeats into `count`, and failures that stay inside the recorder.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder, holdingReplicasEvent, scaledRoleEvent, type RbgRef } from '../../src/kube/events.js';
import type { KubeObject } from '../../src/demo/cluster/fake-apiserver.js';
import { FakeCluster } from '../../src/demo/cluster/fake-cluster.js';

const t0 = Date.UTC(2026, 0, 5, 12, 0, 0);
let cluster: FakeCluster;
let namespaces = 0;

beforeAll(async () => {
  cluster = await FakeCluster.start();
});
afterAll(async () => {
  await cluster.close();
});

/** A recorder on a fresh namespace with a clock the test moves. */
function recorder(): {
  events: EventRecorder;
  rbg: RbgRef;
  clock: { nowMs: number };
  stored: () => KubeObject[];
} {
  const namespace = `events-${++namespaces}`;
  const clock = { nowMs: t0 };
  const events = new EventRecorder({
    kubeConfig: cluster.kubeConfig(),
    identity: 'pdscaler-7d9f-abcde',
    logger: pino({ level: 'silent' }),
    nowMs: () => clock.nowMs,
  });
  return {
    events,
    rbg: { namespace, name: 'llama', uid: 'b8c1e7a2-0000-4000-8000-000000000001' },
    clock,
    stored: () => cluster.events.store.list(namespace),
  };
}

describe('EventRecorder', () => {
  it('creates a Normal ScaledRole event on the RoleBasedGroup with the reporting fields', async () => {
    const { events, rbg, stored } = recorder();

    await events.record(
      rbg,
      scaledRoleEvent({ role: 'prefill', from: 2, to: 4, reason: 'TTFT p90 950 ms > SLO 800 ms' }),
    );

    expect(stored()).toEqual([
      expect.objectContaining({
        involvedObject: {
          apiVersion: 'workloads.x-k8s.io/v1alpha2',
          kind: 'RoleBasedGroup',
          name: 'llama',
          namespace: rbg.namespace,
          uid: rbg.uid,
        },
        type: 'Normal',
        reason: 'ScaledRole',
        message: 'prefill 2 -> 4: TTFT p90 950 ms > SLO 800 ms',
        count: 1,
        firstTimestamp: '2026-01-05T12:00:00.000Z',
        lastTimestamp: '2026-01-05T12:00:00.000Z',
        source: { component: 'pdscaler' },
        reportingComponent: 'pdscaler',
        reportingInstance: 'pdscaler-7d9f-abcde',
      }),
    ]);
    expect(stored()[0]!.metadata!.name).toMatch(/^llama\.[0-9a-f]+$/);
  });

  it('patches count and lastTimestamp when the same event repeats within ten minutes', async () => {
    const { events, rbg, clock, stored } = recorder();
    const hold = holdingReplicasEvent({
      role: 'decode',
      replicas: 4,
      reason: 'metrics stale (engine scrape 95 s old)',
    });

    await events.record(rbg, hold);
    clock.nowMs = t0 + 30_000;
    const from = cluster.server.requests.length;
    await events.record(rbg, hold);
    clock.nowMs = t0 + 9 * 60_000;
    await events.record(rbg, hold);

    expect(cluster.server.requests.slice(from).map((r) => r.split(' ')[0])).toEqual(['PATCH', 'PATCH']);
    expect(stored()).toHaveLength(1);
    expect(stored()[0]).toMatchObject({
      type: 'Warning',
      reason: 'HoldingReplicas',
      message: 'decode holds 4 replicas: metrics stale (engine scrape 95 s old)',
      count: 3,
      firstTimestamp: '2026-01-05T12:00:00.000Z',
      lastTimestamp: '2026-01-05T12:09:00.000Z',
    });
  });

  it('creates a new event for a different message or after the window has passed', async () => {
    const { events, rbg, clock, stored } = recorder();
    const up = scaledRoleEvent({ role: 'prefill', from: 2, to: 4, reason: 'demand' });

    await events.record(rbg, up);
    await events.record(rbg, scaledRoleEvent({ role: 'decode', from: 4, to: 6, reason: 'demand' }));
    clock.nowMs = t0 + 10 * 60_000 + 1;
    await events.record(rbg, up);

    expect(stored().map((e) => [e.message, e.count])).toEqual([
      ['prefill 2 -> 4: demand', 1],
      ['decode 4 -> 6: demand', 1],
      ['prefill 2 -> 4: demand', 1],
    ]);
  });

  it('creates a fresh event when the one it would update has expired', async () => {
    const { events, rbg, clock, stored } = recorder();
    const hold = holdingReplicasEvent({ role: 'prefill', replicas: 2, reason: 'metrics stale' });

    await events.record(rbg, hold);
    cluster.events.store.remove(rbg.namespace, stored()[0]!.metadata!.name!);
    clock.nowMs = t0 + 60_000;
    await events.record(rbg, hold);

    expect(stored()).toEqual([
      expect.objectContaining({ count: 1, lastTimestamp: '2026-01-05T12:01:00.000Z' }),
    ]);
  });

  it('logs a failed create and never throws to the caller', async () => {
    const lines: string[] = [];
    const namespace = `events-${++namespaces}`;
    const events = new EventRecorder({
      kubeConfig: cluster.kubeConfig(),
      identity: 'pdscaler-0',
      logger: pino({ level: 'warn' }, { write: (line: string) => lines.push(line) }),
    });
    cluster.server.failNext(1, 403, { path: /\/events$/, method: 'POST' });

    await expect(
      events.record(
        { namespace, name: 'llama' },
        holdingReplicasEvent({ role: 'decode', replicas: 4, reason: 'x' }),
      ),
    ).resolves.toBeUndefined();

    expect(lines.map((line) => JSON.parse(line) as { msg: string; err: string })).toEqual([
      expect.objectContaining({
        msg: `could not record event HoldingReplicas on RoleBasedGroup ${namespace}/llama`,
        err: 'HTTP 403: injected fault 403',
      }),
    ]);
    expect(cluster.events.store.list(namespace)).toEqual([]);
  });
});
