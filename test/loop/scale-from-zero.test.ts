// SPDX-License-Identifier: Apache-2.0
// The scale-from-zero poll: reads the gateway only while a role is at zero, wakes every role at zero on
// queued requests or no-endpoint rejections (a /scale write when it may write, a board publish always),
// and does not wake a role again within one policy interval.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ScaleOutcome, ScaleRequest } from '../../src/kube/scale-writer.js';
import { DecisionBoard } from '../../src/loop/board.js';
import { ScaleFromZero, wakeReplicas } from '../../src/loop/scale-from-zero.js';
import { systemTimers } from '../../src/sources/discovery/pods.js';
import type { GatewayReading } from '../../src/sources/gateway/gateway-reading.js';
import { makeSpec, seconds, t0 } from '../helpers/spec.js';

const spec = makeSpec({
  scaleToZero: true,
  roles: { prefill: { minReplicas: 0 }, decode: { minReplicas: 2 } },
});

interface Setup {
  readonly replicas: { prefill: number; decode: number };
  readonly gateway: Omit<GatewayReading, 'atMs' | 'notes'>;
  readonly leader?: boolean;
  readonly direct?: boolean;
}

function setup(options: Setup) {
  let nowMs = t0;
  const board = new DecisionBoard();
  board.publish({
    namespace: spec.namespace,
    name: spec.name,
    spec,
    intervalS: 15,
    currentReplicas: options.replicas,
    publishedAtMs: t0,
  });
  const writes: ScaleRequest[] = [];
  let reads = 0;
  const waker = new ScaleFromZero({
    spec,
    pool: 'pool-a',
    gateway: {
      read: () => {
        reads += 1;
        return Promise.resolve({ atMs: nowMs, notes: [], ...options.gateway });
      },
    },
    board,
    scale:
      options.direct === false
        ? undefined
        : {
            write: (request): Promise<ScaleOutcome> => {
              writes.push(request);
              return Promise.resolve({ outcome: 'written', from: 0, to: request.replicas, attempts: 1 });
            },
          },
    isLeader: () => options.leader ?? true,
    pollIntervalMs: 250,
    nowMs: () => nowMs,
    timers: systemTimers,
    logger: pino({ level: 'silent' }),
  });
  return {
    waker,
    board,
    writes,
    reads: () => reads,
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}

const roleOf = (w: ScaleRequest) => [w.ref.role, w.replicas];

describe('scale from zero', () => {
  it('wakes a role to its floor, and to 1 when the floor is 0', () => {
    expect(wakeReplicas(spec, 'prefill')).toBe(1);
    expect(wakeReplicas(spec, 'decode')).toBe(2);
  });

  it.each([
    ['queued requests', { queuedRequests: 1 }],
    ['no-endpoint rejections', { queuedRequests: 0, noEndpointShedPerS: 0.5 }],
  ])('writes /scale for every role at zero on %s', async (_name, gateway) => {
    const s = setup({ replicas: { prefill: 0, decode: 0 }, gateway });
    await s.waker.poll();
    expect(s.writes.map(roleOf)).toEqual([
      ['prefill', 1],
      ['decode', 2],
    ]);
  });

  it('wakes only the roles at zero', async () => {
    const s = setup({ replicas: { prefill: 0, decode: 3 }, gateway: { queuedRequests: 4 } });
    await s.waker.poll();
    expect(s.writes.map(roleOf)).toEqual([['prefill', 1]]);
  });

  it('does not read the gateway while no role is at zero', async () => {
    const s = setup({ replicas: { prefill: 1, decode: 1 }, gateway: { queuedRequests: 4 } });
    await s.waker.poll();
    expect(s.reads()).toBe(0);
    expect(s.writes).toEqual([]);
  });

  it.each([
    ['an empty queue', { queuedRequests: 0 }],
    ['an unknown gateway', {}],
  ])('writes and publishes nothing on %s', async (_name, gateway) => {
    const s = setup({ replicas: { prefill: 0, decode: 0 }, gateway });
    await s.waker.poll();
    expect(s.writes).toEqual([]);
    expect(s.board.get(spec.namespace, spec.name)?.observation).toBeUndefined();
  });

  it.each([
    ['a follower', { leader: false }],
    ['keda mode or advisory (no writer)', { direct: false }],
  ])('as %s publishes the gateway demand for KEDA but writes nothing', async (_name, extra) => {
    const s = setup({
      replicas: { prefill: 0, decode: 0 },
      gateway: { queuedRequests: 2, shedPerS: 1 },
      ...extra,
    });
    await s.waker.poll();
    expect(s.writes).toEqual([]);
    expect(s.board.get(spec.namespace, spec.name)?.observation?.roles.prefill).toEqual({
      gatewayQueuedRequests: { value: 2, atMs: t0 },
      gatewayRejectedPerS: { value: 1, atMs: t0 },
    });
  });

  it('wakes a role again only after one policy interval while it still reads zero', async () => {
    const s = setup({ replicas: { prefill: 0, decode: 1 }, gateway: { queuedRequests: 1 } });
    await s.waker.poll();
    s.advance(seconds(14));
    await s.waker.poll();
    expect(s.writes).toHaveLength(1);
    s.advance(seconds(1));
    await s.waker.poll();
    expect(s.writes).toHaveLength(2);
  });
});
