// SPDX-License-Identifier: Apache-2.0
// Discovery over the real wire: @kubernetes/client-node against the fake apiserver (HTTPS, CA, token).
// Watch effects are asynchronous, so each expectation polls with a deadline (`eventually`).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kubePodApi } from '../../../src/sources/discovery/kube-pod-api.js';
import type { RoleRef } from '../../../src/sources/discovery/labels.js';
import { RolePodDiscovery, type DiscoveryStatus } from '../../../src/sources/discovery/pods.js';
import type { MetricsLocation } from '../../../src/sources/discovery/endpoint.js';
import { FakeApiServer } from '../../../src/demo/cluster/fake-apiserver.js';
import { legacyRbgLabels, makePod, rbgLabels } from '../../fakes/pods.js';
import { eventually } from './eventually.js';

const ns = 'serving';
let server: FakeApiServer;
const running: RolePodDiscovery[] = [];

beforeAll(async () => {
  server = await FakeApiServer.start();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  for (const discovery of running.splice(0)) discovery.stop();
  for (const pod of server.pods.list(ns)) server.pods.remove(ns, pod.metadata!.name!);
});

/** A started discovery for one role of RBG `llama`, with a fast backoff for the resync tests. */
async function discover(
  role: string,
  options: { leaderWorker?: boolean; metrics?: MetricsLocation } = {},
): Promise<{
  discovery: RolePodDiscovery;
  statuses: DiscoveryStatus[];
  changes: DiscoveryStatus['state'][];
  names: () => string[];
}> {
  const ref: RoleRef = { namespace: ns, rbg: 'llama', role, leaderWorker: options.leaderWorker ?? false };
  const statuses: DiscoveryStatus[] = [];
  const changes: DiscoveryStatus['state'][] = [];
  const discovery = new RolePodDiscovery({
    role: ref,
    api: kubePodApi(server.kubeConfig()),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    backoff: { initialMs: 20, maxMs: 100 },
    onStatusChange: (status) => {
      statuses.push(status);
      changes.push(status.state);
    },
  });
  running.push(discovery);
  await discovery.start();
  return { discovery, statuses, changes, names: () => discovery.endpoints().map((e) => e.pod) };
}

describe('pod discovery against the fake apiserver', () => {
  it('finds pods under both label schemes, merges a pod carrying both, ignores other roles and groups', async () => {
    server.pods.apply(makePod({ name: 'new-0', labels: rbgLabels('llama', 'prefill') }));
    server.pods.apply(makePod({ name: 'old-0', labels: legacyRbgLabels('llama', 'prefill') }));
    server.pods.apply(
      makePod({
        name: 'both-0',
        labels: { ...rbgLabels('llama', 'prefill'), ...legacyRbgLabels('llama', 'prefill') },
      }),
    );
    server.pods.apply(makePod({ name: 'decode-0', labels: rbgLabels('llama', 'decode') }));
    server.pods.apply(makePod({ name: 'other-0', labels: rbgLabels('mistral', 'prefill') }));
    server.pods.apply(
      makePod({ name: 'elsewhere-0', namespace: 'other', labels: rbgLabels('llama', 'prefill') }),
    );

    const { discovery, names } = await discover('prefill');
    expect(discovery.status().state).toBe('healthy');
    expect(names()).toEqual(['both-0', 'new-0', 'old-0']);
    expect(discovery.endpoints().map((e) => [e.pod, e.labelScheme])).toEqual([
      ['both-0', 'rbg-v0.7'],
      ['new-0', 'rbg-v0.7'],
      ['old-0', 'rbg-v0.6'],
    ]);
    // Both selectors went to the server as label selectors; nothing was filtered by listing everything.
    const lists = server.requests.filter((r) => r.includes('/pods?') && !r.includes('watch='));
    expect(
      lists.map((r) => new URL(r.split(' ')[1]!, 'https://x').searchParams.get('labelSelector')),
    ).toEqual(expect.arrayContaining([...discovery.selectors()]));
  });

  it('keeps only leaders of a leader-worker role, under both schemes', async () => {
    const index = (i: string) => ({ 'rbg.workloads.x-k8s.io/component-index': i });
    server.pods.apply(makePod({ name: 'p-0-0', labels: rbgLabels('llama', 'prefill', index('0')) }));
    server.pods.apply(makePod({ name: 'p-0-1', labels: rbgLabels('llama', 'prefill', index('1')) }));
    server.pods.apply(
      makePod({
        name: 'lws-0',
        labels: legacyRbgLabels('llama', 'prefill', { 'leaderworkerset.sigs.k8s.io/worker-index': '0' }),
      }),
    );
    server.pods.apply(
      makePod({
        name: 'lws-0-1',
        labels: legacyRbgLabels('llama', 'prefill', { 'leaderworkerset.sigs.k8s.io/worker-index': '1' }),
      }),
    );
    server.pods.apply(makePod({ name: 'old-unindexed', labels: legacyRbgLabels('llama', 'prefill') }));

    const { names } = await discover('prefill', { leaderWorker: true });
    expect(names()).toEqual(['lws-0', 'p-0-0']);
  });

  it('keeps only Ready, non-terminating pods with an IP', async () => {
    const labels = rbgLabels('llama', 'decode');
    server.pods.apply(makePod({ name: 'ready', labels }));
    server.pods.apply(makePod({ name: 'not-ready', labels, ready: false }));
    server.pods.apply(makePod({ name: 'terminating', labels, terminating: true }));
    server.pods.apply(makePod({ name: 'pending', labels, phase: 'Pending', ready: false, ip: null }));

    const { names } = await discover('decode');
    expect(names()).toEqual(['ready']);
  });

  it('reads port and path from annotations unless the policy sets them', async () => {
    server.pods.apply(
      makePod({
        name: 'annotated',
        ip: '10.9.0.1',
        labels: rbgLabels('llama', 'decode'),
        annotations: { 'prometheus.io/port': '30000', 'prometheus.io/path': '/sglang/metrics' },
      }),
    );
    server.pods.apply(makePod({ name: 'plain', ip: '10.9.0.2', labels: rbgLabels('llama', 'decode') }));

    const fromPods = await discover('decode');
    expect(fromPods.discovery.endpoints().map((e) => e.url)).toEqual([
      'http://10.9.0.1:30000/sglang/metrics',
      'http://10.9.0.2:8000/metrics',
    ]);
    const fromPolicy = await discover('decode', { metrics: { port: 9090 } });
    expect(fromPolicy.discovery.endpoints().map((e) => e.url)).toEqual([
      'http://10.9.0.1:9090/sglang/metrics',
      'http://10.9.0.2:9090/metrics',
    ]);
  });

  it('follows the watch: pods that appear, lose readiness, change role or go away', async () => {
    const { names, discovery } = await discover('decode');
    expect(discovery.status().state).toBe('healthy');
    expect(names()).toEqual([]);

    server.pods.apply(makePod({ name: 'd-0', labels: rbgLabels('llama', 'decode') }));
    server.pods.apply(makePod({ name: 'd-1', labels: legacyRbgLabels('llama', 'decode') }));
    await eventually(() => {
      expect(names()).toEqual(['d-0', 'd-1']);
    });

    server.pods.apply(makePod({ name: 'd-0', labels: rbgLabels('llama', 'decode'), ready: false }));
    await eventually(() => {
      expect(names()).toEqual(['d-1']);
    });

    server.pods.apply(makePod({ name: 'd-0', labels: rbgLabels('llama', 'decode') }));
    server.pods.apply(makePod({ name: 'd-1', labels: legacyRbgLabels('llama', 'prefill') })); // relabelled away
    await eventually(() => {
      expect(names()).toEqual(['d-0']);
    });

    server.pods.remove(ns, 'd-0');
    await eventually(() => {
      expect(names()).toEqual([]);
    });
  });

  it.each([
    { name: 'dropped connection', end: () => server.dropWatches(), reason: /watch failed/ },
    { name: 'clean close', end: () => server.closeWatches(), reason: /watch closed by the server/ },
    { name: '410 Gone', end: () => server.expireWatches(), reason: /watch expired \(410 Gone\)/ },
  ])(
    'resumes after a $name: resyncing, then healthy with the changes made meanwhile',
    async ({ end, reason }) => {
      server.pods.apply(makePod({ name: 'd-0', labels: rbgLabels('llama', 'decode') }));
      const { discovery, changes, names } = await discover('decode');
      await eventually(() => {
        expect(server.activeWatches()).toBe(2);
      });
      expect(names()).toEqual(['d-0']);

      // Make the outage long enough to observe and the changes invisible to the dead watches: the first
      // re-list fails once, so the new pod can only arrive through the re-list after it.
      server.failNext(1, 503, /\/pods$/);
      expect(end()).toBe(2);
      server.pods.apply(makePod({ name: 'd-1', labels: rbgLabels('llama', 'decode') }));
      server.pods.remove(ns, 'd-0');

      await eventually(() => {
        expect(changes).toContain('resyncing');
      });
      const during = discovery.status();
      expect(during.state === 'resyncing' ? during.reason : '').toMatch(reason);
      await eventually(() => {
        expect(discovery.status().state).toBe('healthy');
      });
      await eventually(() => {
        expect(names()).toEqual(['d-1']);
      });
      expect(changes).toEqual(['healthy', 'resyncing', 'healthy']);
      await eventually(() => {
        expect(server.activeWatches()).toBe(2);
      }); // watching again, not polling
    },
  );

  it('reports an unreachable or refusing apiserver as resyncing with the HTTP status', async () => {
    server.failNext(2, 500, /\/pods$/);
    const { discovery, changes } = await discover('decode');
    expect(discovery.status()).toMatchObject({
      state: 'resyncing',
      reason: expect.stringContaining('list failed: HTTP 500: injected fault 500') as unknown,
    });
    await eventually(() => {
      expect(discovery.status().state).toBe('healthy');
    });
    expect(changes).toEqual(['resyncing', 'healthy']);
  });
});
