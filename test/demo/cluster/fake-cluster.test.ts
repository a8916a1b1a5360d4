// SPDX-License-Identifier: Apache-2.0
// The fake cluster's core resources, delegated auth reviews, discovery and fault injection, exercised
// through `@kubernetes/client-node` exactly as pdscaler's Kubernetes clients use them.
import { request } from 'node:https';
import {
  ApiException,
  ApiregistrationV1Api,
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CoreV1Event,
  EventsV1Api,
  EventsV1Event,
  V1APIService,
  V1ConfigMap,
  V1Lease,
  V1Pod,
  V1SubjectAccessReview,
  V1TokenReview,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster } from '../../../src/demo/cluster/fake-cluster.js';
import { makePod } from '../../fakes/pods.js';

let cluster: FakeCluster;

beforeEach(async () => {
  cluster = await FakeCluster.start({ token: 'pdscaler-token' });
});

afterEach(async () => {
  await cluster.close();
});

/** A client-node model from wire JSON; nested objects stay plain, the client serializes both alike. */
function wire<T extends object>(Model: new () => T, json: Record<string, unknown>): T {
  return Object.assign(new Model(), json);
}

interface Failure {
  readonly code: number;
  readonly reason: string | undefined;
  readonly headers: Record<string, string>;
}

async function failure(call: Promise<unknown>): Promise<Failure> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body = JSON.parse((error as ApiException<string>).body) as { reason?: string };
    return { code: error.code, reason: body.reason, headers: error.headers };
  }
  throw new Error('the call succeeded');
}

/** A raw GET with the cluster's CA and token, for paths client-node has no method for. */
function getRaw(path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${cluster.server.url}${path}`,
      { ca: cluster.server.caPem, headers: { authorization: `Bearer ${cluster.server.token}` } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('core resources', () => {
  it('starts without the extension-apiserver-authentication ConfigMap and serves it once created', async () => {
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    const ref = { namespace: 'kube-system', name: 'extension-apiserver-authentication' };
    expect((await failure(core.readNamespacedConfigMap(ref))).code).toBe(404);
    await core.createNamespacedConfigMap({
      namespace: 'kube-system',
      body: wire(V1ConfigMap, {
        metadata: { name: ref.name },
        data: { 'requestheader-allowed-names': '["front-proxy-client"]' },
      }),
    });
    const read = await core.readNamespacedConfigMap(ref);
    expect(read.data).toEqual({ 'requestheader-allowed-names': '["front-proxy-client"]' });
    expect(read.kind).toBe('ConfigMap');
  });

  it('replaces a lease with its current resourceVersion and rejects a stale one with 409', async () => {
    const leases = cluster.kubeConfig().makeApiClient(CoordinationV1Api);
    const created = await leases.createNamespacedLease({
      namespace: 'pdscaler',
      body: wire(V1Lease, {
        metadata: { name: 'pdscaler-leader' },
        spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
      }),
    });
    const stale = created.metadata?.resourceVersion;
    const lease = (holderIdentity: string) =>
      wire(V1Lease, {
        metadata: { name: 'pdscaler-leader', resourceVersion: stale },
        spec: { holderIdentity },
      });
    const ref = { namespace: 'pdscaler', name: 'pdscaler-leader' };
    await leases.replaceNamespacedLease({ ...ref, body: lease('a') });
    const takeover = lease('b');
    expect(await failure(leases.replaceNamespacedLease({ ...ref, body: takeover }))).toMatchObject({
      code: 409,
      reason: 'Conflict',
    });
    expect(cluster.leases.store.get('pdscaler', 'pdscaler-leader')?.spec).toMatchObject({
      holderIdentity: 'a',
    });
  });

  it('keeps core v1 and events.k8s.io/v1 events apart', async () => {
    const kc = cluster.kubeConfig();
    await kc.makeApiClient(CoreV1Api).createNamespacedEvent({
      namespace: 'serving',
      body: wire(CoreV1Event, {
        metadata: { name: 'core-1' },
        involvedObject: { kind: 'Pod', name: 'p' },
        reason: 'Scaled',
      }),
    });
    await kc.makeApiClient(EventsV1Api).createNamespacedEvent({
      namespace: 'serving',
      body: wire(EventsV1Event, {
        metadata: { name: 'new-1' },
        eventTime: new Date(),
        reason: 'Scaled',
        note: 'decode 4 -> 6',
      }),
    });
    expect(cluster.events.store.list('serving').map((e) => e.metadata?.name)).toEqual(['core-1']);
    expect(cluster.eventsV1.store.list('serving').map((e) => e.metadata?.name)).toEqual(['new-1']);
    expect(cluster.eventsV1.store.get('serving', 'new-1')?.apiVersion).toBe('events.k8s.io/v1');
  });

  it('stores APIServices cluster-scoped, without a namespace', async () => {
    const registration = cluster.kubeConfig().makeApiClient(ApiregistrationV1Api);
    const name = 'v1beta1.external.metrics.k8s.io';
    await registration.createAPIService({
      body: wire(V1APIService, {
        metadata: { name },
        spec: {
          group: 'external.metrics.k8s.io',
          version: 'v1beta1',
          groupPriorityMinimum: 100,
          versionPriority: 100,
        },
      }),
    });
    const read = await registration.readAPIService({ name });
    expect(read.metadata?.namespace).toBeUndefined();
    expect(read.spec?.group).toBe('external.metrics.k8s.io');
    expect((await registration.listAPIService()).items.map((s) => s.metadata?.name)).toEqual([name]);
  });

  it('creates and patches pods in the same store the pod list/watch tests use', async () => {
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedPod({
      namespace: 'serving',
      body: wire(V1Pod, makePod({ name: 'decode-0' })),
    });
    expect(cluster.server.pods.list('serving').map((p) => p.metadata?.name)).toEqual(['decode-0']);
    await core.deleteNamespacedPod({ namespace: 'serving', name: 'decode-0' });
    expect(cluster.server.pods.list('serving')).toEqual([]);
  });
});

describe('delegated authentication and authorization', () => {
  it.each([
    {
      token: 'known',
      authenticated: true,
      user: { username: 'system:serviceaccount:kube-system:hpa', groups: ['system:serviceaccounts'] },
    },
    { token: 'unknown', authenticated: false, user: {} },
  ])(
    'answers a TokenReview for a $token token with authenticated=$authenticated',
    async ({ token, authenticated, user }) => {
      cluster.authn.tokens.set('known', {
        username: 'system:serviceaccount:kube-system:hpa',
        groups: ['system:serviceaccounts'],
      });
      const review = await cluster
        .kubeConfig()
        .makeApiClient(AuthenticationV1Api)
        .createTokenReview({
          body: wire(V1TokenReview, { spec: { token } }),
        });
      expect(review).toMatchObject({ kind: 'TokenReview', spec: { token }, status: { authenticated, user } });
      expect(cluster.authn.tokenReviews).toEqual([token]);
    },
  );

  it('answers SubjectAccessReviews with the settable authorizer and records each spec', async () => {
    cluster.authn.authorize = (spec) =>
      spec.resourceAttributes?.verb === 'list'
        ? { allowed: true }
        : { allowed: false, reason: 'no RBAC policy matched' };
    const authz = cluster.kubeConfig().makeApiClient(AuthorizationV1Api);
    const spec = (verb: string) => ({
      user: 'system:serviceaccount:kube-system:horizontal-pod-autoscaler',
      groups: ['system:authenticated'],
      resourceAttributes: {
        namespace: 'serving',
        verb,
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        resource: 'pd-decode',
      },
    });
    const review = (verb: string) => ({ body: wire(V1SubjectAccessReview, { spec: spec(verb) }) });
    const allowed = await authz.createSubjectAccessReview(review('list'));
    const denied = await authz.createSubjectAccessReview(review('delete'));
    expect(allowed).toMatchObject({
      kind: 'SubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      status: { allowed: true },
    });
    expect(denied.status).toEqual({ allowed: false, reason: 'no RBAC policy matched' });
    expect(cluster.authn.subjectAccessReviews.map((s) => s.resourceAttributes?.verb)).toEqual([
      'list',
      'delete',
    ]);
  });

  it('rejects a SubjectAccessReview without any user or group as invalid', async () => {
    const authz = cluster.kubeConfig().makeApiClient(AuthorizationV1Api);
    const rejected = await failure(
      authz.createSubjectAccessReview({
        body: wire(V1SubjectAccessReview, {
          spec: { nonResourceAttributes: { path: '/apis', verb: 'get' } },
        }),
      }),
    );
    expect(rejected).toMatchObject({ code: 422, reason: 'Invalid' });
  });
});

describe('fault injection', () => {
  it.each([
    { status: 409, reason: 'Conflict', retryAfter: undefined },
    { status: 429, reason: 'TooManyRequests', retryAfter: '3' },
    { status: 500, reason: 'InternalError', retryAfter: undefined },
  ])('fails the next matching request with $status $reason', async ({ status, reason, retryAfter }) => {
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    cluster.server.failNext(1, status, {
      path: /\/configmaps$/,
      method: 'GET',
      ...(retryAfter === undefined ? {} : { retryAfterS: 3 }),
    });
    const rejected = await failure(core.listNamespacedConfigMap({ namespace: 'serving' }));
    expect(rejected).toMatchObject({ code: status, reason });
    expect(rejected.headers['retry-after']).toBe(retryAfter);
    expect((await core.listNamespacedConfigMap({ namespace: 'serving' })).items).toEqual([]);
  });

  it('delays the next matching request by the injected latency', async () => {
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    cluster.server.delayNext(1, 300, /\/configmaps$/);
    const started = performance.now();
    await core.listNamespacedConfigMap({ namespace: 'serving' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe('discovery', () => {
  it('lists every served group under /apis', async () => {
    const { body } = await getRaw('/apis');
    const groups = (body as { groups: { name: string }[] }).groups.map((g) => g.name).sort();
    expect(groups).toEqual([
      'apiregistration.k8s.io',
      'authentication.k8s.io',
      'authorization.k8s.io',
      'coordination.k8s.io',
      'data.fluid.io',
      'events.k8s.io',
      'workloads.x-k8s.io',
    ]);
  });

  it('advertises the adapters with their short name and an autoscaling/v1 scale subresource', async () => {
    const { body } = await getRaw('/apis/workloads.x-k8s.io/v1alpha2');
    const resources = (body as { resources: Record<string, unknown>[] }).resources;
    expect(resources).toContainEqual(
      expect.objectContaining({
        name: 'rolebasedgroupscalingadapters',
        kind: 'RoleBasedGroupScalingAdapter',
        shortNames: ['rbgsa'],
      }),
    );
    expect(resources).toContainEqual(
      expect.objectContaining({
        name: 'rolebasedgroupscalingadapters/scale',
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
      }),
    );
    expect(resources).toContainEqual(
      expect.objectContaining({ name: 'rolebasedgroups', shortNames: ['rbg'] }),
    );
  });

  it.each(['/openapi/v2', '/openapi/v3'])('answers 404 for %s', async (path) => {
    expect((await getRaw(path)).status).toBe(404);
  });
});
