// SPDX-License-Identifier: Apache-2.0
// Pure parts of discovery: selectors per label scheme, which pods become endpoints, port/path resolution.
import { describe, expect, it } from 'vitest';
import { toEndpoint, type PodLike } from '../../../src/sources/discovery/endpoint.js';
import { isLeaderPod, roleSelector } from '../../../src/sources/discovery/labels.js';
import { backoffDelayMs, resolveBackoff } from '../../../src/sources/discovery/backoff.js';
import { makePod, rbgLabels } from '../../fakes/pods.js';

const plain = { leaderWorker: false };
const lws = { leaderWorker: true };

function pod(overrides: Parameters<typeof makePod>[0]): PodLike {
  const object = makePod(overrides) as PodLike;
  return { ...object, metadata: { ...object.metadata, uid: `uid-${overrides.name}` } };
}

describe('roleSelector', () => {
  it.each([
    {
      name: 'v0.7 labels',
      scheme: 'rbg-v0.7',
      leaderWorker: false,
      want: 'rbg.workloads.x-k8s.io/group-name=llama,rbg.workloads.x-k8s.io/role-name=prefill',
    },
    {
      name: 'v0.7 labels, leader-worker: leaders only on the server',
      scheme: 'rbg-v0.7',
      leaderWorker: true,
      want: 'rbg.workloads.x-k8s.io/group-name=llama,rbg.workloads.x-k8s.io/role-name=prefill,rbg.workloads.x-k8s.io/component-index=0',
    },
    {
      name: 'v0.6 labels (leaders are filtered on the client)',
      scheme: 'rbg-v0.6',
      leaderWorker: true,
      want: 'rolebasedgroup.workloads.x-k8s.io/name=llama,rolebasedgroup.workloads.x-k8s.io/role=prefill',
    },
  ] as const)('$name', ({ scheme, leaderWorker, want }) => {
    expect(roleSelector({ namespace: 'serving', rbg: 'llama', role: 'prefill', leaderWorker }, scheme)).toBe(
      want,
    );
  });
});

describe('isLeaderPod', () => {
  it.each([
    {
      name: 'v0.7 component-index 0',
      scheme: 'rbg-v0.7',
      labels: { 'rbg.workloads.x-k8s.io/component-index': '0' },
      want: true,
    },
    {
      name: 'v0.7 component-index 1',
      scheme: 'rbg-v0.7',
      labels: { 'rbg.workloads.x-k8s.io/component-index': '1' },
      want: false,
    },
    { name: 'v0.7 no index', scheme: 'rbg-v0.7', labels: {}, want: false },
    {
      name: 'v0.6 LWS worker-index 0',
      scheme: 'rbg-v0.6',
      labels: { 'leaderworkerset.sigs.k8s.io/worker-index': '0' },
      want: true,
    },
    {
      name: 'v0.6 LWS worker-index 2',
      scheme: 'rbg-v0.6',
      labels: { 'leaderworkerset.sigs.k8s.io/worker-index': '2' },
      want: false,
    },
    {
      name: 'v0.6 component index 0',
      scheme: 'rbg-v0.6',
      labels: { 'component.rolebasedgroup.workloads.x-k8s.io/index': '0' },
      want: true,
    },
    { name: 'v0.6 no index', scheme: 'rbg-v0.6', labels: {}, want: false },
  ] as const)('$name', ({ scheme, labels, want }) => {
    expect(isLeaderPod(labels, scheme)).toBe(want);
  });
});

describe('toEndpoint', () => {
  it.each([
    { name: 'ready running pod', pod: { name: 'p' }, want: true },
    { name: 'Ready=False', pod: { name: 'p', ready: false }, want: false },
    { name: 'terminating but still Ready=True', pod: { name: 'p', terminating: true }, want: false },
    { name: 'Pending', pod: { name: 'p', phase: 'Pending' }, want: false },
    { name: 'no IP yet', pod: { name: 'p', ip: null }, want: false },
  ])('$name -> endpoint: $want', ({ pod: spec, want }) => {
    expect(toEndpoint(pod(spec), 'rbg-v0.7', plain, {}) !== undefined).toBe(want);
  });

  it('skips workers of a leader-worker role and keeps the leader', () => {
    const leader = pod({
      name: 'l',
      labels: rbgLabels('x', 'r', { 'rbg.workloads.x-k8s.io/component-index': '0' }),
    });
    const worker = pod({
      name: 'w',
      labels: rbgLabels('x', 'r', { 'rbg.workloads.x-k8s.io/component-index': '1' }),
    });
    expect(toEndpoint(leader, 'rbg-v0.7', lws, {})?.pod).toBe('l');
    expect(toEndpoint(worker, 'rbg-v0.7', lws, {})).toBeUndefined();
    expect(toEndpoint(worker, 'rbg-v0.7', plain, {})?.pod).toBe('w'); // not a leader-worker role: every pod
  });

  it.each([
    {
      name: 'defaults: vLLM port 8000, /metrics',
      annotations: {},
      policy: {},
      want: ['http://10.1.2.3:8000/metrics', []],
    },
    {
      name: 'annotations',
      annotations: { 'prometheus.io/port': '9090', 'prometheus.io/path': '/engine/metrics' },
      policy: {},
      want: ['http://10.1.2.3:9090/engine/metrics', []],
    },
    {
      name: 'policy wins over annotations',
      annotations: { 'prometheus.io/port': '9090', 'prometheus.io/path': '/x' },
      policy: { port: 30000, path: '/metrics' },
      want: ['http://10.1.2.3:30000/metrics', []],
    },
    {
      name: 'policy port, annotated path',
      annotations: { 'prometheus.io/path': '/m' },
      policy: { port: 30000 },
      want: ['http://10.1.2.3:30000/m', []],
    },
    {
      name: 'bad annotations are reported and ignored',
      annotations: { 'prometheus.io/port': 'http', 'prometheus.io/path': 'metrics' },
      policy: {},
      want: [
        'http://10.1.2.3:8000/metrics',
        [
          'annotation prometheus.io/port = "http", must be an integer in [1, 65535]',
          'annotation prometheus.io/path = "metrics", must start with "/" and hold no whitespace',
        ],
      ],
    },
    {
      name: 'port out of range',
      annotations: { 'prometheus.io/port': '70000' },
      policy: {},
      want: [
        'http://10.1.2.3:8000/metrics',
        ['annotation prometheus.io/port = "70000", must be an integer in [1, 65535]'],
      ],
    },
  ])('$name', ({ annotations, policy, want }) => {
    const endpoint = toEndpoint(pod({ name: 'p', ip: '10.1.2.3', annotations }), 'rbg-v0.7', plain, policy);
    expect([endpoint?.url, endpoint?.issues]).toEqual(want);
  });

  it('puts IPv6 pod addresses in brackets', () => {
    expect(toEndpoint(pod({ name: 'p', ip: 'fd00::1' }), 'rbg-v0.7', plain, {})?.url).toBe(
      'http://[fd00::1]:8000/metrics',
    );
  });
});

describe('backoffDelayMs', () => {
  it('doubles from 800 ms up to 30 s (client-go reflector defaults)', () => {
    const backoff = resolveBackoff();
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map((attempt) => backoffDelayMs(backoff, attempt))).toEqual([
      800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000,
    ]);
  });
});
