// SPDX-License-Identifier: Apache-2.0
// The /scale writer against the fake cluster over the real wire (client-node, HTTPS, token): which
// requests it makes, what it skips, and how it retries. Sleeps are recorded, never waited for.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeScalingAdapterApi, type RoleRef, type ScalingAdapterApi } from '../../src/kube/adapters.js';
import { defaultRetryPolicy, fullJitterDelayMs } from '../../src/kube/retry.js';
import { ScaleWriter } from '../../src/kube/scale-writer.js';
import { SelfMetrics } from '../../src/serving/self-metrics.js';
import { FakeCluster } from '../../src/demo/cluster/fake-cluster.js';

const ns = 'serving';
let cluster: FakeCluster;
let seeded = 0;

beforeAll(async () => {
  cluster = await FakeCluster.start();
});
afterAll(async () => {
  await cluster.close();
});

/** A fresh PD group per test (prefill 2, decode 4), so tests never share adapters. */
function seed(options: { bound?: boolean } = {}): { rbg: string; prefill: RoleRef; decode: RoleRef } {
  const rbg = `llama-${++seeded}`;
  cluster.seedRbg({ namespace: ns, name: rbg, replicas: { prefill: 2, decode: 4 }, ...options });
  return {
    rbg,
    prefill: { namespace: ns, rbg, role: 'prefill' },
    decode: { namespace: ns, rbg, role: 'decode' },
  };
}

function writer(options: { api?: ScalingAdapterApi; random?: number; metrics?: SelfMetrics } = {}) {
  const sleeps: number[] = [];
  const scaleWriter = new ScaleWriter({
    api: options.api ?? kubeScalingAdapterApi(cluster.kubeConfig()),
    logger: pino({ level: 'silent' }),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => options.random ?? 0.5,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
  });
  return { scaleWriter, sleeps };
}

/** Requests made since `from`, without the query string. */
function requestsSince(from: number): string[] {
  return cluster.server.requests.slice(from).map((r) => r.split('?')[0]!);
}

const adapterPath = (rbg: string, role: string) =>
  `/apis/workloads.x-k8s.io/v1alpha2/namespaces/${ns}/rolebasedgroupscalingadapters/${rbg}-${role}`;

function adapterReplicas(rbg: string, role: string): unknown {
  return (cluster.adapters.store.get(ns, `${rbg}-${role}`)?.spec as { replicas?: unknown }).replicas;
}

describe('ScaleWriter', () => {
  it('reads the adapter, GETs the Scale and PUTs it back with the new replicas, never touching the RBG', async () => {
    const { rbg, prefill } = seed();
    const { scaleWriter, sleeps } = writer();
    const from = cluster.server.requests.length;

    const outcome = await scaleWriter.write({ ref: prefill, replicas: 4 });

    expect(outcome).toEqual({ outcome: 'written', from: 2, to: 4, attempts: 1 });
    expect(requestsSince(from)).toEqual([
      `GET ${adapterPath(rbg, 'prefill')}`,
      `GET ${adapterPath(rbg, 'prefill')}/scale`,
      `PUT ${adapterPath(rbg, 'prefill')}/scale`,
    ]);
    expect(cluster.scaleWrites.at(-1)).toMatchObject({ name: `${rbg}-prefill`, method: 'PUT', replicas: 4 });
    expect(adapterReplicas(rbg, 'prefill')).toBe(4);
    expect(sleeps).toEqual([]);
  });

  it('skips the write when the adapter already has the desired replicas', async () => {
    const { rbg, decode } = seed();
    const { scaleWriter } = writer();
    const from = cluster.server.requests.length;

    expect(await scaleWriter.write({ ref: decode, replicas: 4 })).toEqual({
      outcome: 'unchanged',
      replicas: 4,
    });
    expect(requestsSince(from)).toEqual([`GET ${adapterPath(rbg, 'decode')}`]);
  });

  it('clamps a negative target to zero replicas', async () => {
    const { rbg, prefill } = seed();
    const { scaleWriter } = writer();

    expect(await scaleWriter.write({ ref: prefill, replicas: -3 })).toEqual({
      outcome: 'written',
      from: 2,
      to: 0,
      attempts: 1,
    });
    expect(adapterReplicas(rbg, 'prefill')).toBe(0);
  });

  it('reports not-bound with the phase and writes nothing while the adapter is unbound', async () => {
    const { rbg, prefill } = seed({ bound: false });
    const { scaleWriter } = writer();
    const from = cluster.server.requests.length;

    expect(await scaleWriter.write({ ref: prefill, replicas: 3 })).toEqual({
      outcome: 'not-bound',
      phase: 'NotBound',
    });
    expect(requestsSince(from)).toEqual([`GET ${adapterPath(rbg, 'prefill')}`]);
  });

  it('reports not-found with the scalingAdapter.enable hint when the role has no adapter', async () => {
    const { scaleWriter, sleeps } = writer();

    expect(
      await scaleWriter.write({ ref: { namespace: ns, rbg: 'ghost', role: 'prefill' }, replicas: 3 }),
    ).toEqual({
      outcome: 'not-found',
      message:
        'RoleBasedGroupScalingAdapter serving/ghost-prefill not found: set scalingAdapter.enable: true on role prefill of RoleBasedGroup serving/ghost',
    });
    expect(sleeps).toEqual([]);
  });

  it('re-reads the Scale and retries when a concurrent writer causes a 409 conflict', async () => {
    const { rbg, prefill } = seed();
    const real = kubeScalingAdapterApi(cluster.kubeConfig());
    let interfered = false;
    // Between our GET and PUT another writer (an HPA, a person) sets 3: the stale PUT gets a real 409.
    const racing: ScalingAdapterApi = {
      ...real,
      async getScale(ref, signal) {
        const scale = await real.getScale(ref, signal);
        if (!interfered) {
          interfered = true;
          const adapter = cluster.adapters.store.get(ns, `${rbg}-prefill`)!;
          cluster.adapters.store.apply({ ...adapter, spec: { ...(adapter.spec as object), replicas: 3 } });
        }
        return scale;
      },
    };
    const { scaleWriter, sleeps } = writer({ api: racing });
    const from = cluster.server.requests.length;

    const outcome = await scaleWriter.write({ ref: prefill, replicas: 5 });

    // The second try read the other writer's 3, so `from` is 3, not the 2 first read.
    expect(outcome).toEqual({ outcome: 'written', from: 3, to: 5, attempts: 2 });
    expect(requestsSince(from)).toEqual([
      `GET ${adapterPath(rbg, 'prefill')}`,
      `GET ${adapterPath(rbg, 'prefill')}/scale`,
      `PUT ${adapterPath(rbg, 'prefill')}/scale`,
      `GET ${adapterPath(rbg, 'prefill')}/scale`,
      `PUT ${adapterPath(rbg, 'prefill')}/scale`,
    ]);
    expect(sleeps).toEqual([defaultRetryPolicy.conflictDelayMs]);
    expect(adapterReplicas(rbg, 'prefill')).toBe(5);
  });

  it('gives up after five conflicts and reports the Status message', async () => {
    const { prefill } = seed();
    cluster.server.failNext(5, 409, { path: /\/scale$/, method: 'PUT' });
    const { scaleWriter } = writer();

    expect(await scaleWriter.write({ ref: prefill, replicas: 6 })).toEqual({
      outcome: 'failed',
      message: 'HTTP 409: injected fault 409',
      attempts: 5,
    });
  });

  it('waits the Retry-After seconds of a 429 before each retry', async () => {
    const { prefill } = seed();
    cluster.server.failNext(2, 429, { path: /\/scale$/, method: 'PUT', retryAfterS: 3 });
    const { scaleWriter, sleeps } = writer();

    expect(await scaleWriter.write({ ref: prefill, replicas: 7 })).toEqual({
      outcome: 'written',
      from: 2,
      to: 7,
      attempts: 3,
    });
    expect(sleeps).toEqual([3000, 3000]);
  });

  it('fails at once when Retry-After asks for longer than the backoff cap', async () => {
    const { prefill } = seed();
    cluster.server.failNext(1, 429, { path: /\/scale$/, method: 'PUT', retryAfterS: 60 });
    const { scaleWriter, sleeps } = writer();

    expect(await scaleWriter.write({ ref: prefill, replicas: 7 })).toEqual({
      outcome: 'failed',
      message: 'HTTP 429: injected fault 429',
      attempts: 1,
    });
    expect(sleeps).toEqual([]);
  });

  it('backs off from 500s with full jitter under the doubling ceiling', async () => {
    const { prefill } = seed();
    cluster.server.failNext(4, 500, { path: /\/scale$/, method: 'PUT' });
    const { scaleWriter, sleeps } = writer({ random: 0.999 });

    expect(await scaleWriter.write({ ref: prefill, replicas: 8 })).toMatchObject({
      outcome: 'written',
      attempts: 5,
    });
    // Ceilings 200, 400, 800, 1600 ms; random() = 0.999 lands just under each.
    expect(sleeps).toEqual([199, 399, 799, 1598]);
  });

  it('retries a failed adapter read and reports failure after the last attempt', async () => {
    const { prefill } = seed();
    cluster.server.failNext(5, 503, { path: /rolebasedgroupscalingadapters\/[^/]+$/, method: 'GET' });
    const { scaleWriter, sleeps } = writer({ random: 0 });

    expect(await scaleWriter.write({ ref: prefill, replicas: 8 })).toEqual({
      outcome: 'failed',
      message: 'HTTP 503: injected fault 503',
      attempts: 5,
    });
    expect(sleeps).toHaveLength(4);
  });

  it('fails a 4xx other than 409 and 429 at once, with the Status message', async () => {
    const { prefill } = seed();
    cluster.server.failNext(1, 403, { path: /\/scale$/, method: 'PUT' });
    const { scaleWriter, sleeps } = writer();

    expect(await scaleWriter.write({ ref: prefill, replicas: 9 })).toEqual({
      outcome: 'failed',
      message: 'HTTP 403: injected fault 403',
      attempts: 1,
    });
    expect(sleeps).toEqual([]);
  });

  it('counts each outcome in pdscaler_scale_writes_total when a policy is named', async () => {
    const { prefill, decode } = seed();
    const metrics = new SelfMetrics();
    const { scaleWriter } = writer({ metrics });

    await scaleWriter.write({ ref: prefill, replicas: 3, policy: 'serving/llama' });
    await scaleWriter.write({ ref: decode, replicas: 4, policy: 'serving/llama' });
    await scaleWriter.write({
      ref: { namespace: ns, rbg: 'ghost', role: 'decode' },
      replicas: 4,
      policy: 'serving/llama',
    });

    const values = (await metrics.scaleWrites.get()).values.map((v) => [
      v.labels.role,
      v.labels.outcome,
      v.value,
    ]);
    expect(values).toEqual([
      ['prefill', 'written', 1],
      ['decode', 'unchanged', 1],
      ['decode', 'skipped', 1],
    ]);
  });

  it('reads what the loop needs about a role from its adapter', async () => {
    const { rbg, decode } = seed();
    cluster.setReady(ns, rbg, 'decode', 3);
    const { scaleWriter } = writer();

    expect(await scaleWriter.readRole(decode)).toEqual({
      phase: 'Bound',
      specReplicas: 4,
      statusReplicas: 4,
      readyReplicas: 3,
      selector: expect.stringContaining(`rbg.workloads.x-k8s.io/group-name=${rbg},`) as unknown,
    });
    expect(await scaleWriter.readRole({ namespace: ns, rbg: 'ghost', role: 'decode' })).toBeUndefined();
  });
});

describe('fullJitterDelayMs', () => {
  it.each([
    { name: 'first retry stays under the 200 ms base', retry: 0, random: 0.999, want: 199 },
    { name: 'third retry stays under 800 ms', retry: 2, random: 0.5, want: 400 },
    { name: 'the ceiling stops at the 10 s cap', retry: 9, random: 0.999, want: 9990 },
    {
      name: 'a huge retry count neither overflows nor passes the cap',
      retry: 5000,
      random: 0.999,
      want: 9990,
    },
    { name: 'random 0 waits nothing', retry: 4, random: 0, want: 0 },
  ])('$name', ({ retry, random, want }) => {
    expect(fullJitterDelayMs(defaultRetryPolicy, retry, () => random)).toBe(want);
  });
});
