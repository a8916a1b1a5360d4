// SPDX-License-Identifier: Apache-2.0
// The fake cluster's RoleBasedGroup support through the real client: the adapters' `scale`
// subresource, the adapter controller copying replicas into the RBG, ready replicas, and the RBG
// validating webhook (docs/reference.md §A.1-§3).
import {
  ApiException,
  CustomObjectsApi,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/demo/cluster/fake-apiserver.js';
import { FakeCluster } from '../../../src/demo/cluster/fake-cluster.js';

const NS = 'serving';
const RBG = 'llama';
const GROUP = 'workloads.x-k8s.io';
const VERSION = 'v1alpha2';
const ADAPTERS = 'rolebasedgroupscalingadapters';
const START_MS = Date.parse('2026-03-01T12:00:00Z');

let nowMs = START_MS;
let cluster: FakeCluster;
let kc: KubeConfig;
let api: CustomObjectsApi;

beforeEach(async () => {
  nowMs = START_MS;
  cluster = await FakeCluster.start({ nowMs: () => nowMs });
  kc = cluster.kubeConfig();
  api = kc.makeApiClient(CustomObjectsApi);
});

afterEach(async () => {
  await cluster.close();
});

const scaleRef = (name: string) => ({
  group: GROUP,
  version: VERSION,
  namespace: NS,
  plural: ADAPTERS,
  name,
});

interface Scale {
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string };
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

interface Failure {
  readonly code: number;
  readonly status: { reason?: string; message?: string };
}

/** The HTTP code and Status body of a call the fake must reject. */
async function failure(call: Promise<unknown>): Promise<Failure> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body = (error as ApiException<string>).body;
    return { code: error.code, status: JSON.parse(body) as Failure['status'] };
  }
  throw new Error('the call succeeded');
}

function adapter(role: string): KubeObject {
  const object = cluster.adapters.store.get(NS, `${RBG}-${role}`);
  if (object === undefined) throw new Error(`no adapter for ${role}`);
  return object;
}

function rbg(): { spec: { roles: { name: string; replicas: number }[] }; status: Record<string, unknown> } {
  return cluster.rbgs.store.get(NS, RBG) as never;
}

function roleStatus(role: string): Record<string, unknown> | undefined {
  const statuses = rbg().status.roleStatuses as { name: string }[];
  return statuses.find((s) => s.name === role);
}

describe('seeding', () => {
  it('creates the two adapters the RBG controller would create, owned by the RBG and bound', () => {
    const { rbg: group, adapters } = cluster.seedRbg({
      namespace: NS,
      name: RBG,
      replicas: { prefill: 2, decode: 4 },
    });
    expect(adapters.decode).toMatchObject({
      apiVersion: 'workloads.x-k8s.io/v1alpha2',
      kind: 'RoleBasedGroupScalingAdapter',
      metadata: {
        name: 'llama-decode',
        namespace: NS,
        labels: { 'rbg.workloads.x-k8s.io/group-name': RBG, 'rbg.workloads.x-k8s.io/role-name': 'decode' },
        ownerReferences: [
          { kind: 'RoleBasedGroup', name: RBG, uid: group.metadata?.uid, blockOwnerDeletion: true },
        ],
      },
      spec: { replicas: 4, scaleTargetRef: { name: RBG, role: 'decode' } },
      status: { phase: 'Bound', replicas: 4, readyReplicas: 4 },
    });
    expect((adapters.prefill.status as { selector: string }).selector).toMatch(
      /^rbg\.workloads\.x-k8s\.io\/group-name=llama,rbg\.workloads\.x-k8s\.io\/group-uid=[0-9a-f]{40},rbg\.workloads\.x-k8s\.io\/role-name=prefill$/,
    );
    expect(group).toMatchObject({
      spec: {
        roles: [{ name: 'prefill', replicas: 2, scalingAdapter: { enable: true } }, { name: 'decode' }],
      },
    });
  });

  it('leaves unbound adapters without spec.replicas until bind()', async () => {
    cluster.seedRbg({ namespace: NS, name: RBG, replicas: { prefill: 2, decode: 4 }, bound: false });
    const before = (await api.getNamespacedCustomObjectScale(scaleRef('llama-prefill'))) as Scale;
    expect(adapter('prefill').status).toEqual({ phase: 'NotBound' });
    expect(before.spec).toEqual({});
    expect(before.status).toEqual({ replicas: 0 });
    cluster.bind(NS, RBG, 'prefill');
    const after = (await api.getNamespacedCustomObjectScale(scaleRef('llama-prefill'))) as Scale;
    expect(after.spec.replicas).toBe(2);
    expect(after.status.replicas).toBe(2);
  });
});

describe('the scale subresource', () => {
  beforeEach(() => {
    cluster.seedRbg({ namespace: NS, name: RBG, replicas: { prefill: 2, decode: 4 } });
  });

  it('serves an autoscaling/v1 Scale carrying the adapter resourceVersion, replicas and selector', async () => {
    const scale = (await api.getNamespacedCustomObjectScale(scaleRef('llama-decode'))) as Scale;
    const stored = adapter('decode');
    expect(scale).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: 'llama-decode',
        namespace: NS,
        uid: stored.metadata?.uid,
        resourceVersion: stored.metadata?.resourceVersion,
      },
      spec: { replicas: 4 },
      status: { replicas: 4, selector: (stored.status as { selector: string }).selector },
    });
  });

  it('replaces spec.replicas with PUT and records the write', async () => {
    const scale = (await api.getNamespacedCustomObjectScale(scaleRef('llama-decode'))) as Scale;
    nowMs += 5_000;
    const written = (await api.replaceNamespacedCustomObjectScale({
      ...scaleRef('llama-decode'),
      body: { ...scale, spec: { replicas: 6 } },
    })) as Scale;
    expect(written.spec.replicas).toBe(6);
    expect(written.metadata.resourceVersion).not.toBe(scale.metadata.resourceVersion);
    expect((adapter('decode').spec as { replicas: number }).replicas).toBe(6);
    expect(cluster.scaleWrites).toEqual([
      { namespace: NS, name: 'llama-decode', method: 'PUT', replicas: 6, atMs: START_MS + 5_000 },
    ]);
  });

  it('answers 409 Conflict in kube wording to a PUT with a stale resourceVersion', async () => {
    const stale = (await api.getNamespacedCustomObjectScale(scaleRef('llama-decode'))) as Scale;
    await api.replaceNamespacedCustomObjectScale({
      ...scaleRef('llama-decode'),
      body: { ...stale, spec: { replicas: 5 } },
    });
    const rejected = await failure(
      api.replaceNamespacedCustomObjectScale({
        ...scaleRef('llama-decode'),
        body: { ...stale, spec: { replicas: 7 } },
      }),
    );
    expect(rejected).toEqual({
      code: 409,
      status: expect.objectContaining({
        reason: 'Conflict',
        message:
          'Operation cannot be fulfilled on rolebasedgroupscalingadapters.workloads.x-k8s.io "llama-decode": the object has been modified; please apply your changes to the latest version and try again',
      }) as unknown,
    });
    expect((adapter('decode').spec as { replicas: number }).replicas).toBe(5);
    expect(cluster.scaleWrites.map((w) => w.replicas)).toEqual([5]);
  });

  it.each([
    {
      strategy: 'json patch (the client default)',
      body: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
    },
    { strategy: 'merge patch', body: { spec: { replicas: 3 } }, contentType: PatchStrategy.MergePatch },
  ])('patches spec.replicas with a $strategy', async ({ body, contentType }) => {
    const options = contentType === undefined ? undefined : setHeaderOptions('Content-Type', contentType);
    const written = (await api.patchNamespacedCustomObjectScale(
      { ...scaleRef('llama-prefill'), body },
      options,
    )) as Scale;
    expect(written.spec.replicas).toBe(3);
    expect(cluster.scaleWrites).toMatchObject([{ name: 'llama-prefill', method: 'PATCH', replicas: 3 }]);
  });

  it('rejects a negative replica count as invalid', async () => {
    const rejected = await failure(
      api.patchNamespacedCustomObjectScale(
        { ...scaleRef('llama-prefill'), body: { spec: { replicas: -1 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(rejected.code).toBe(422);
    expect(rejected.status.message).toContain('spec.replicas: Invalid value: -1');
    expect(cluster.scaleWrites).toEqual([]);
  });

  it('answers 404 NotFound for an adapter that does not exist', async () => {
    const rejected = await failure(api.getNamespacedCustomObjectScale(scaleRef('llama-router')));
    expect(rejected).toMatchObject({
      code: 404,
      status: {
        reason: 'NotFound',
        message: 'rolebasedgroupscalingadapters.workloads.x-k8s.io "llama-router" not found',
      },
    });
  });

  it('emits a MODIFIED watch event with the new spec.replicas', async () => {
    const events: { type: string; replicas: unknown }[] = [];
    const watch = new Watch(kc);
    const request = await watch.watch(
      `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${ADAPTERS}`,
      {},
      (type, object: KubeObject) =>
        events.push({ type, replicas: (object.spec as { replicas?: number }).replicas }),
      () => undefined,
    );
    await expect.poll(() => events.length).toBe(2); // the two adapters, as ADDED
    await api.patchNamespacedCustomObjectScale({
      ...scaleRef('llama-prefill'),
      body: [{ op: 'replace', path: '/spec/replicas', value: 9 }],
    });
    await expect.poll(() => events.slice(2)[0]).toEqual({ type: 'MODIFIED', replicas: 9 });
    request.abort();
  });
});

describe('the adapter controller', () => {
  it('copies a scaled adapter into the RBG role and the adapter status, with ready replicas following at once', async () => {
    cluster.seedRbg({ namespace: NS, name: RBG, replicas: { prefill: 2, decode: 4 } });
    nowMs += 61_000;
    await api.patchNamespacedCustomObjectScale({
      ...scaleRef('llama-decode'),
      body: [{ op: 'replace', path: '/spec/replicas', value: 7 }],
    });
    expect(rbg().spec.roles.map((r) => [r.name, r.replicas])).toEqual([
      ['prefill', 2],
      ['decode', 7],
    ]);
    expect(adapter('decode').status).toMatchObject({
      phase: 'Bound',
      replicas: 7,
      readyReplicas: 7,
      lastScaleTime: '2026-03-01T12:01:01Z',
    });
    expect(roleStatus('decode')).toEqual({
      name: 'decode',
      replicas: 7,
      readyReplicas: 7,
      updatedReplicas: 7,
    });
  });

  it('moves ready replicas only with setReady when the group was seeded not ready', async () => {
    cluster.seedRbg({ namespace: NS, name: RBG, replicas: { prefill: 2, decode: 4 }, ready: false });
    expect(roleStatus('prefill')).toMatchObject({ replicas: 2, readyReplicas: 0 });
    await api.patchNamespacedCustomObjectScale({
      ...scaleRef('llama-prefill'),
      body: [{ op: 'replace', path: '/spec/replicas', value: 5 }],
    });
    expect(roleStatus('prefill')).toMatchObject({ replicas: 5, readyReplicas: 0 });
    expect(adapter('prefill').status).toMatchObject({ replicas: 5, readyReplicas: 0 });
    cluster.setReady(NS, RBG, 'prefill', 3);
    expect(roleStatus('prefill')).toMatchObject({ replicas: 5, readyReplicas: 3 });
    expect(adapter('prefill').status).toMatchObject({ replicas: 5, readyReplicas: 3 });
    expect(rbg().status.conditions).toMatchObject([
      { type: 'Ready', status: 'False', reason: 'RoleNotReady' },
    ]);
    cluster.setReady(NS, RBG, 'prefill', 5);
    cluster.setReady(NS, RBG, 'decode', 4);
    expect(rbg().status.conditions).toMatchObject([
      { type: 'Ready', status: 'True', reason: 'AllRolesReady' },
    ]);
  });

  it('caps ready replicas at the new replica count on scale-in', async () => {
    cluster.seedRbg({ namespace: NS, name: RBG, replicas: { prefill: 2, decode: 4 }, ready: false });
    cluster.setReady(NS, RBG, 'decode', 4);
    await api.patchNamespacedCustomObjectScale({
      ...scaleRef('llama-decode'),
      body: [{ op: 'replace', path: '/spec/replicas', value: 1 }],
    });
    expect(roleStatus('decode')).toMatchObject({ replicas: 1, readyReplicas: 1 });
  });

  it('leaves the RBG alone while the adapter is not bound', async () => {
    cluster.seedRbg({ namespace: NS, name: RBG, replicas: { prefill: 2, decode: 4 }, bound: false });
    await api.patchNamespacedCustomObjectScale(
      { ...scaleRef('llama-prefill'), body: { spec: { replicas: 6 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(rbg().spec.roles[0]?.replicas).toBe(2);
    expect((adapter('prefill').spec as { replicas: number }).replicas).toBe(6);
  });

  it('also follows a write of the adapter spec itself', async () => {
    cluster.seedRbg({ namespace: NS, name: RBG, replicas: { prefill: 2, decode: 4 } });
    await api.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: ADAPTERS,
        name: 'llama-prefill',
        body: { spec: { replicas: 3 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(rbg().spec.roles[0]?.replicas).toBe(3);
    expect(cluster.scaleWrites).toEqual([]);
  });
});

describe('the RBG validating webhook', () => {
  const rbgRef = { group: GROUP, version: VERSION, namespace: NS, plural: 'rolebasedgroups', name: RBG };
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  beforeEach(() => {
    cluster.seedRbg({ namespace: NS, name: RBG, replicas: { prefill: 2, decode: 4 } });
  });

  it('denies a direct change of a role replica count owned by an adapter, as a webhook denial', async () => {
    const rejected = await failure(
      api.patchNamespacedCustomObject({
        ...rbgRef,
        body: [{ op: 'replace', path: '/spec/roles/1/replicas', value: 8 }],
      }),
    );
    expect(rejected).toEqual({
      code: 403,
      status: expect.objectContaining({
        reason: 'Forbidden',
        message:
          'admission webhook "vrolebasedgroup.kb.io" denied the request: spec.roles[1].replicas (role "decode"): cannot be changed to 8 while scalingAdapter.enable is true and ScalingAdapter "llama-decode" has spec.replicas 4',
      }) as unknown,
    });
    expect(rbg().spec.roles[1]?.replicas).toBe(4);
  });

  it('lists every offending role in one bracketed message when a PUT changes both', async () => {
    const current = (await api.getNamespacedCustomObject(rbgRef)) as {
      spec: { roles: { replicas: number }[] };
    };
    for (const role of current.spec.roles) role.replicas += 1;
    const rejected = await failure(api.replaceNamespacedCustomObject({ ...rbgRef, body: current }));
    expect(rejected.code).toBe(403);
    expect(rejected.status.message).toMatch(
      /denied the request: \[spec\.roles\[0\].*, spec\.roles\[1\].*\]$/,
    );
  });

  it('admits RBG edits that leave the replica counts alone', async () => {
    await api.patchNamespacedCustomObject(
      { ...rbgRef, body: { metadata: { labels: { team: 'a' } } } },
      mergePatch,
    );
    expect(cluster.rbgs.store.get(NS, RBG)?.metadata?.labels).toEqual({ team: 'a' });
  });
});
