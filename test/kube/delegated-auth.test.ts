// SPDX-License-Identifier: Apache-2.0
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDelegatedAuth, type DelegatedAuth } from '../../src/kube/delegated-auth.js';
import type { AuthenticationConfig } from '../../src/serving/auth/delegate.js';
import { FakeCluster } from '../../src/demo/cluster/fake-cluster.js';

const logger = pino({ level: 'silent' });
const hpaUser = 'system:serviceaccount:kube-system:horizontal-pod-autoscaler';

function authConfigMap(data: Record<string, string>) {
  return { metadata: { namespace: 'kube-system', name: 'extension-apiserver-authentication' }, data };
}

const publishedData = {
  'client-ca-file': 'CLIENT-CA',
  'requestheader-client-ca-file': 'FRONT-PROXY-CA',
  'requestheader-allowed-names': '["front-proxy-client"]',
  'requestheader-username-headers': '["X-Remote-User"]',
  'requestheader-uid-headers': '["X-Remote-Uid"]',
  'requestheader-group-headers': '["X-Remote-Group"]',
  'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
};

/** Resolves with the next configuration `auth` reports. */
function nextConfig(auth: DelegatedAuth): Promise<AuthenticationConfig> {
  return new Promise((resolve) => {
    const stop = auth.onAuthenticationConfigChange((config) => {
      stop();
      resolve(config);
    });
  });
}

describe('startDelegatedAuth', () => {
  let cluster: FakeCluster;
  let auth: DelegatedAuth | undefined;

  beforeAll(async () => {
    cluster = await FakeCluster.start();
  });
  afterAll(async () => {
    await cluster.close();
  });
  beforeEach(() => {
    cluster.configMaps.store.apply(authConfigMap(publishedData));
  });
  afterEach(() => {
    auth?.close();
    auth = undefined;
    cluster.configMaps.store.remove('kube-system', 'extension-apiserver-authentication');
  });

  const start = async () => {
    auth = await startDelegatedAuth({
      kubeConfig: cluster.kubeConfig(),
      logger,
      backoff: { initialMs: 10, maxMs: 50 },
    });
    return auth;
  };

  it('refuses to start without the ConfigMap, naming the RoleBinding that fixes it', async () => {
    cluster.configMaps.store.remove('kube-system', 'extension-apiserver-authentication');
    await expect(start()).rejects.toThrow(
      /^Unable to get configmap\/extension-apiserver-authentication in kube-system \(HTTP 404: .*\)\. Usually fixed by 'kubectl create rolebinding -n kube-system ROLEBINDING_NAME --role=extension-apiserver-authentication-reader --serviceaccount=YOUR_NS:YOUR_SA'$/,
    );
  });

  it('refuses to start when reading the ConfigMap is forbidden', async () => {
    cluster.server.failNext(1, 403, /configmaps/);
    await expect(start()).rejects.toThrow(/\(HTTP 403: .*\)\. Usually fixed by 'kubectl create rolebinding/);
  });

  it('reads the client CA and the front-proxy settings from the ConfigMap', async () => {
    const delegate = await start();
    expect(delegate.authenticationConfig()).toEqual({
      clientCaPem: 'CLIENT-CA',
      requestHeader: {
        clientCaPem: 'FRONT-PROXY-CA',
        allowedNames: ['front-proxy-client'],
        usernameHeaders: ['X-Remote-User'],
        uidHeaders: ['X-Remote-Uid'],
        groupHeaders: ['X-Remote-Group'],
        extraHeaderPrefixes: ['X-Remote-Extra-'],
      },
    });
  });

  it('watches only its ConfigMap, by field selector as the reader Role requires', async () => {
    await start();
    const watch = cluster.server.requests.findLast((line) => line.includes('watch=true'));
    expect(watch).toContain('/api/v1/namespaces/kube-system/configmaps?');
    expect(watch).toContain('fieldSelector=metadata.name%3Dextension-apiserver-authentication');
  });

  it('reports a ConfigMap update through its watch', async () => {
    const delegate = await start();
    const changed = nextConfig(delegate);
    cluster.configMaps.store.apply(
      authConfigMap({ ...publishedData, 'requestheader-client-ca-file': 'ROTATED' }),
    );
    expect((await changed).requestHeader?.clientCaPem).toBe('ROTATED');
    expect(delegate.authenticationConfig().requestHeader?.clientCaPem).toBe('ROTATED');
  });

  it('ignores other ConfigMaps in kube-system', async () => {
    const delegate = await start();
    const changed = nextConfig(delegate);
    cluster.configMaps.store.apply({
      metadata: { namespace: 'kube-system', name: 'kubeadm-config' },
      data: { 'client-ca-file': 'OTHER' },
    });
    cluster.configMaps.store.apply(authConfigMap({ ...publishedData, 'client-ca-file': 'NEXT' }));
    expect((await changed).clientCaPem).toBe('NEXT');
  });

  it('keeps the last configuration through a malformed update and a deletion', async () => {
    const delegate = await start();
    const reported: AuthenticationConfig[] = [];
    delegate.onAuthenticationConfigChange((config) => reported.push(config));
    cluster.configMaps.store.apply(
      authConfigMap({ ...publishedData, 'requestheader-allowed-names': '[front' }),
    );
    cluster.configMaps.store.remove('kube-system', 'extension-apiserver-authentication');
    const changed = nextConfig(delegate);
    cluster.configMaps.store.apply(authConfigMap({ ...publishedData, 'client-ca-file': 'AFTER' }));
    expect((await changed).clientCaPem).toBe('AFTER');
    expect(reported.map((config) => config.clientCaPem)).toEqual(['AFTER']);
  });

  it('re-reads and watches again after the watch connection drops', async () => {
    const delegate = await start();
    expect(cluster.server.dropWatches()).toBe(1);
    // The re-read itself sees this change, or the new watch does.
    const changed = nextConfig(delegate);
    cluster.configMaps.store.apply(authConfigMap({ ...publishedData, 'client-ca-file': 'AFTER-DROP' }));
    expect((await changed).clientCaPem).toBe('AFTER-DROP');
    await expect.poll(() => cluster.server.activeWatches()).toBe(1);
  });

  it('stops watching when closed', async () => {
    const delegate = await start();
    expect(cluster.server.activeWatches()).toBe(1);
    delegate.close();
    await expect.poll(() => cluster.server.activeWatches()).toBe(0);
  });

  it('reviews a bearer token and maps status.user', async () => {
    cluster.authn.tokens.set('hpa-token', {
      username: hpaUser,
      uid: 'uid-1',
      groups: ['system:serviceaccounts'],
      extra: { 'authentication.kubernetes.io/pod-name': ['kcm-0'] },
    });
    const delegate = await start();
    expect(await delegate.reviewToken('hpa-token')).toEqual({
      authenticated: true,
      user: {
        username: hpaUser,
        uid: 'uid-1',
        groups: ['system:serviceaccounts'],
        extra: { 'authentication.kubernetes.io/pod-name': ['kcm-0'] },
      },
    });
    expect(await delegate.reviewToken('forged')).toEqual({ authenticated: false });
    expect(cluster.authn.tokenReviews.slice(-2)).toEqual(['hpa-token', 'forged']);
  });

  it('sends the SubjectAccessReview of a metric read with resourceAttributes and the whole user', async () => {
    const delegate = await start();
    cluster.authn.authorize = () => ({ allowed: false, reason: 'no RBAC policy matched' });
    const decision = await delegate.reviewAccess({
      user: {
        username: hpaUser,
        uid: 'uid-1',
        groups: ['system:authenticated'],
        extra: { scope: ['a', 'b'] },
      },
      attributes: {
        kind: 'resource',
        namespace: 'default',
        verb: 'list',
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        resource: 'prefill-desired-replicas',
      },
    });
    expect(decision).toEqual({ allowed: false, reason: 'no RBAC policy matched' });
    expect(cluster.authn.subjectAccessReviews.at(-1)).toEqual({
      resourceAttributes: {
        namespace: 'default',
        verb: 'list',
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        resource: 'prefill-desired-replicas',
      },
      user: hpaUser,
      groups: ['system:authenticated'],
      uid: 'uid-1',
      extra: { scope: ['a', 'b'] },
    });
  });

  it('sends nonResourceAttributes for a path', async () => {
    const delegate = await start();
    cluster.authn.authorize = () => ({ allowed: true });
    expect(
      await delegate.reviewAccess({
        user: { username: 'alice', groups: [], extra: {} },
        attributes: { kind: 'nonResource', path: '/metrics', verb: 'get' },
      }),
    ).toEqual({ allowed: true });
    expect(cluster.authn.subjectAccessReviews.at(-1)).toEqual({
      nonResourceAttributes: { path: '/metrics', verb: 'get' },
      user: 'alice',
      groups: [],
      extra: {},
    });
  });

  it('rejects a review the apiserver fails, with the HTTP status and message', async () => {
    const delegate = await start();
    cluster.server.failNext(1, 503, /subjectaccessreviews/);
    await expect(
      delegate.reviewAccess({
        user: { username: 'alice', groups: [], extra: {} },
        attributes: { kind: 'nonResource', path: '/metrics', verb: 'get' },
      }),
    ).rejects.toThrow('HTTP 503: injected fault 503');
  });
});
