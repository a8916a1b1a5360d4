// SPDX-License-Identifier: Apache-2.0
// Fluid awareness: a Dataset's cache state from its status, and the pre-warm that starts at
// most one DataLoad at a time, against the fake apiserver serving the `data.fluid.io` kinds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { FakeCluster } from '../../src/demo/cluster/fake-cluster.js';
import {
  dataLoadName,
  datasetCache,
  FluidPrewarmer,
  kubeFluidApi,
  parsePercentage,
} from '../../src/kube/fluid.js';

const logger = pino({ level: 'silent' });
const t0 = Date.UTC(2026, 10, 25, 12, 0, 0);

function dataset(name: string, status: Record<string, unknown> | undefined) {
  return {
    apiVersion: 'data.fluid.io/v1alpha1',
    kind: 'Dataset',
    metadata: { name, namespace: 'serving' },
    spec: { mounts: [{ mountPoint: 's3://models/llama-3.1-8b' }] },
    ...(status === undefined ? {} : { status }),
  };
}

describe('the cache state of a Dataset', () => {
  it.each([
    ['100.0%', 100],
    ['37.5%', 37.5],
    [' 0.0% ', 0],
    ['N/A', undefined],
    ['', undefined],
    [undefined, undefined],
    ['100', undefined],
  ])('reads cachedPercentage %j as %j', (text, value) => {
    expect(parsePercentage(text)).toBe(value);
  });

  it.each([
    {
      why: 'Bound at 100% is cached',
      status: { phase: 'Bound', cacheStates: { cachedPercentage: '100.0%' } },
      state: 'cached',
    },
    {
      why: 'Bound at 60% is partial',
      status: { phase: 'Bound', cacheStates: { cachedPercentage: '60.0%' } },
      state: 'partial',
    },
    {
      why: '100% but not Bound is partial',
      status: { phase: 'Updating', cacheStates: { cachedPercentage: '100.0%' } },
      state: 'partial',
    },
    {
      why: 'N/A (ThinRuntime) is unknown',
      status: { phase: 'Bound', cacheStates: { cachedPercentage: 'N/A' } },
      state: 'unknown',
    },
    { why: 'no status is unknown', status: undefined, state: 'unknown' },
  ])('$why', ({ status, state }) => {
    expect(datasetCache(dataset('llama', status)).cacheState).toBe(state);
  });

  it('reports the DataLoad Fluid has running from status.operationRef', () => {
    const running = datasetCache(dataset('llama', { phase: 'Bound', operationRef: { DataLoad: 'warm-1' } }));
    expect(running.dataLoadRunning).toBe('warm-1');
  });
});

describe('the pre-warm against the API', () => {
  let cluster: FakeCluster;
  let prewarmer: FluidPrewarmer;

  beforeAll(async () => {
    cluster = await FakeCluster.start();
    prewarmer = new FluidPrewarmer({ api: kubeFluidApi(cluster.kubeConfig()), logger, nowMs: () => t0 });
  });
  afterAll(async () => {
    await cluster.server.close();
  });

  it('reads a Dataset and says when it does not exist', async () => {
    cluster.datasets.store.apply(
      dataset('read-me', { phase: 'Bound', cacheStates: { cachedPercentage: '42.0%' } }),
    );
    expect(await prewarmer.readCache({ namespace: 'serving', name: 'read-me' })).toEqual({
      phase: 'Bound',
      cachedPercentage: 42,
      cacheState: 'partial',
      dataLoadRunning: undefined,
    });
    expect(await prewarmer.readCache({ namespace: 'serving', name: 'absent' })).toBeUndefined();
    expect(await prewarmer.prewarm({ namespace: 'serving', name: 'absent' })).toEqual({
      outcome: 'not-found',
    });
  });

  it('creates one DataLoad for a partly cached Dataset, then never a second while it runs', async () => {
    cluster.datasets.store.apply(
      dataset('llama', { phase: 'Bound', cacheStates: { cachedPercentage: '10.0%' } }),
    );
    const ref = { namespace: 'serving', name: 'llama' };
    const first = await prewarmer.prewarm(ref);
    expect(first).toEqual({ outcome: 'created', dataLoad: dataLoadName('llama', t0) });
    const stored = cluster.dataLoads.store.list('serving');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'pdscaler' } },
      spec: { dataset: { name: 'llama', namespace: 'serving' }, loadMetadata: true },
    });
    // The DataLoad has no phase yet (Pending): a second call finds it running.
    expect(await prewarmer.prewarm(ref)).toEqual({
      outcome: 'in-progress',
      dataLoad: dataLoadName('llama', t0),
    });
    expect(cluster.dataLoads.store.list('serving')).toHaveLength(1);
  });

  it('starts a new DataLoad once the last one finished', async () => {
    cluster.datasets.store.apply(
      dataset('again', { phase: 'Bound', cacheStates: { cachedPercentage: '50.0%' } }),
    );
    cluster.dataLoads.store.apply({
      apiVersion: 'data.fluid.io/v1alpha1',
      kind: 'DataLoad',
      metadata: { name: 'again-old', namespace: 'serving' },
      spec: { dataset: { name: 'again', namespace: 'serving' } },
      status: { phase: 'Failed' },
    });
    const later = new FluidPrewarmer({
      api: kubeFluidApi(cluster.kubeConfig()),
      logger,
      nowMs: () => t0 + 60_000,
    });
    expect(await later.prewarm({ namespace: 'serving', name: 'again' })).toEqual({
      outcome: 'created',
      dataLoad: dataLoadName('again', t0 + 60_000),
    });
  });

  it('does nothing for a fully cached Dataset or while Fluid runs another DataLoad on it', async () => {
    cluster.datasets.store.apply(
      dataset('warm', { phase: 'Bound', cacheStates: { cachedPercentage: '100.0%' } }),
    );
    expect(await prewarmer.prewarm({ namespace: 'serving', name: 'warm' })).toEqual({ outcome: 'cached' });
    cluster.datasets.store.apply(
      dataset('locked', {
        phase: 'Bound',
        cacheStates: { cachedPercentage: '5.0%' },
        operationRef: { DataLoad: 'theirs' },
      }),
    );
    expect(await prewarmer.prewarm({ namespace: 'serving', name: 'locked' })).toEqual({
      outcome: 'in-progress',
      dataLoad: 'theirs',
    });
    const names = cluster.dataLoads.store.list('serving').map((d) => d.metadata?.name ?? '');
    expect(names.filter((n) => n.startsWith('warm') || n.startsWith('locked'))).toEqual([]);
  });

  it('reports a failure instead of throwing when the API refuses', async () => {
    cluster.datasets.store.apply(
      dataset('denied', { phase: 'Bound', cacheStates: { cachedPercentage: '5.0%' } }),
    );
    cluster.server.failNext(1, 403, { path: /dataloads/, method: 'POST' });
    const outcome = await prewarmer.prewarm({ namespace: 'serving', name: 'denied' });
    expect(outcome.outcome).toBe('failed');
  });
});
