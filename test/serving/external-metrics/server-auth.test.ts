// SPDX-License-Identifier: Apache-2.0
// The API server's authentication and authorization end to end: real TLS with client certificates,
// the real client-node delegate against the fake cluster's TokenReview/SubjectAccessReview and
// authentication ConfigMap (docs/reference.md §B.4.2, §B.4.3).
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDelegatedAuth, type DelegatedAuth } from '../../../src/kube/delegated-auth.js';
import { DecisionBoard } from '../../../src/loop/board.js';
import type { AuthenticationConfig } from '../../../src/serving/auth/delegate.js';
import {
  startExternalMetricsApi,
  type ExternalMetricsApi,
} from '../../../src/serving/external-metrics/server.js';
import { SelfMetrics } from '../../../src/serving/self-metrics.js';
import { selfSignedServingTls, type ServingTls } from '../../../src/serving/tls.js';
import { seconds, t0 } from '../../helpers/spec.js';
import { FakeCluster } from '../../../src/demo/cluster/fake-cluster.js';
import { makeCa, makeClientCert, type KeyPair } from '../auth/certificates.js';
import { get, type GetOptions } from './https-client.js';
import { publishedPolicy } from './published.js';

const hpaUser = 'system:serviceaccount:kube-system:horizontal-pod-autoscaler';
const hpaGroups = ['system:serviceaccounts', 'system:serviceaccounts:kube-system'];
const metricPath = '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/prefill-desired-replicas';
const metricUrlPath = `${metricPath}?labelSelector=${encodeURIComponent('pdscaler.io/policy=chat')}`;
const discoveryPath = '/apis/external.metrics.k8s.io/v1beta1';

interface Certificates {
  readonly frontProxyCa: KeyPair;
  readonly clientCa: KeyPair;
  readonly frontProxy: KeyPair;
  readonly frontProxyWrongName: KeyPair;
  readonly frontProxyServerUsage: KeyPair;
  readonly frontProxyOtherCa: KeyPair;
  /** Named like the proxy but signed by client-ca-file: an ordinary user, not a front proxy. */
  readonly frontProxyNameClientCa: KeyPair;
  readonly alice: KeyPair;
  readonly admin: KeyPair;
}

async function makeCertificates(): Promise<Certificates> {
  const [frontProxyCa, clientCa, otherCa] = await Promise.all([
    makeCa('front-proxy-ca'),
    makeCa('kubernetes'),
    makeCa('someone-else'),
  ]);
  const [
    frontProxy,
    frontProxyWrongName,
    frontProxyServerUsage,
    frontProxyOtherCa,
    frontProxyNameClientCa,
    alice,
    admin,
  ] = await Promise.all([
    makeClientCert(frontProxyCa, { commonName: 'front-proxy-client' }),
    makeClientCert(frontProxyCa, { commonName: 'some-other-proxy' }),
    makeClientCert(frontProxyCa, { commonName: 'front-proxy-client', usage: 'serverAuth' }),
    makeClientCert(otherCa, { commonName: 'front-proxy-client' }),
    makeClientCert(clientCa, { commonName: 'front-proxy-client' }),
    makeClientCert(clientCa, { commonName: 'alice', organizations: ['team-a', 'team-b'] }),
    makeClientCert(clientCa, { commonName: 'kubernetes-admin', organizations: ['system:masters'] }),
  ]);
  return {
    frontProxyCa,
    clientCa,
    frontProxy,
    frontProxyWrongName,
    frontProxyServerUsage,
    frontProxyOtherCa,
    frontProxyNameClientCa,
    alice,
    admin,
  };
}

/** The ConfigMap kube-apiserver publishes (kubeadm's values). */
function authenticationConfigMap(frontProxyCaPem: string, clientCaPem: string) {
  return {
    metadata: { namespace: 'kube-system', name: 'extension-apiserver-authentication' },
    data: {
      'client-ca-file': clientCaPem,
      'requestheader-client-ca-file': frontProxyCaPem,
      'requestheader-allowed-names': '["front-proxy-client"]',
      'requestheader-username-headers': '["X-Remote-User"]',
      'requestheader-group-headers': '["X-Remote-Group"]',
      'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
    },
  };
}

describe('external metrics API authentication and authorization', () => {
  let cluster: FakeCluster;
  let delegate: DelegatedAuth;
  let api: ExternalMetricsApi;
  let tls: ServingTls;
  let certs: Certificates;
  let now = t0;
  const board = new DecisionBoard();
  const metrics = new SelfMetrics();

  const fetch = (path: string, options: Omit<GetOptions, 'ca'> = {}) =>
    get(`${api.url}${path}`, { ca: tls.certPem, ...options });
  const asHpa = { headers: { authorization: 'Bearer hpa-token' } };
  const sars = () => cluster.authn.subjectAccessReviews;

  beforeAll(async () => {
    [cluster, certs, tls] = await Promise.all([
      FakeCluster.start(),
      makeCertificates(),
      selfSignedServingTls({ hosts: ['127.0.0.1'], nowMs: Date.now() }),
    ]);
    cluster.configMaps.store.apply(authenticationConfigMap(certs.frontProxyCa.cert, certs.clientCa.cert));
    cluster.authn.tokens.set('hpa-token', { username: hpaUser, uid: 'uid-hpa', groups: hpaGroups });
    delegate = await startDelegatedAuth({
      kubeConfig: cluster.kubeConfig(),
      logger: pino({ level: 'silent' }),
    });
    api = await startExternalMetricsApi({
      board,
      host: '127.0.0.1',
      port: 0,
      tls,
      auth: delegate,
      nowMs: () => now,
      logger: pino({ level: 'silent' }),
      metrics,
      ready: () => ({ ok: true }),
    });
  });

  afterAll(async () => {
    await api.close();
    delegate.close();
    await cluster.close();
  });

  beforeEach(() => {
    // Past every cache entry of the previous test; the policy is re-published so readings stay fresh.
    now += seconds(11);
    board.publish(publishedPolicy({ atMs: now - seconds(5) }));
    cluster.authn.authorize = () => ({ allowed: true });
    sars().length = 0;
    cluster.authn.tokenReviews.length = 0;
  });

  it.each(['/livez', '/readyz', '/healthz'])('answers %s anonymously with "ok"', async (path) => {
    const reply = await fetch(path);
    expect(reply).toMatchObject({ status: 200, text: 'ok' });
    expect(reply.contentType).toMatch(/^text\/plain/);
    expect(sars()).toEqual([]);
  });

  it.each(['/openapi/v2', '/openapi/v3'])(
    'answers %s with 404 NotFound, never an auth error',
    async (path) => {
      const reply = await fetch(path);
      expect(reply.status).toBe(404);
      expect(reply.json).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    },
  );

  it('refuses a request without credentials with a 401 Unauthorized Status', async () => {
    const reply = await fetch(metricUrlPath);
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  it('ignores X-Remote-User and X-Remote-Group from a peer without the front-proxy certificate', async () => {
    const reply = await fetch(metricUrlPath, {
      headers: { 'x-remote-user': 'system:admin', 'x-remote-group': 'system:masters' },
    });
    expect(reply.status).toBe(401);
    expect(sars()).toEqual([]);
  });

  it('strips forged identity headers from a bearer-token request and authorizes the token user', async () => {
    const reply = await fetch(metricUrlPath, {
      headers: {
        authorization: 'Bearer hpa-token',
        'x-remote-user': 'system:admin',
        'x-remote-group': 'system:masters',
      },
    });
    expect(reply.status).toBe(200);
    expect(sars()).toHaveLength(1);
    expect(sars()[0]).toMatchObject({ user: hpaUser, groups: [...hpaGroups, 'system:authenticated'] });
  });

  it('trusts the identity headers of a verified front proxy and answers the allowed read', async () => {
    const reply = await fetch(metricUrlPath, {
      clientCert: certs.frontProxy,
      headers: {
        'X-Remote-User': hpaUser,
        'X-Remote-Group': hpaGroups,
        'X-Remote-Extra-Authentication.kubernetes.io%2fPod-Name': 'kcm-0',
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('application/json');
    expect(reply.json).toEqual({
      kind: 'ExternalMetricValueList',
      apiVersion: 'external.metrics.k8s.io/v1beta1',
      metadata: {},
      items: [
        {
          metricName: 'prefill-desired-replicas',
          metricLabels: { 'pdscaler.io/policy': 'chat', 'pdscaler.io/role': 'prefill' },
          timestamp: new Date(now - seconds(5)).toISOString().replace('.000Z', 'Z'),
          value: '3',
        },
      ],
    });
    expect(sars()).toEqual([
      {
        resourceAttributes: {
          namespace: 'default',
          verb: 'list',
          group: 'external.metrics.k8s.io',
          version: 'v1beta1',
          resource: 'prefill-desired-replicas',
        },
        user: hpaUser,
        groups: [...hpaGroups, 'system:authenticated'],
        extra: { 'authentication.kubernetes.io/pod-name': ['kcm-0'] },
      },
    ]);
  });

  it.each<[string, keyof Certificates]>([
    ['a CN not in requestheader-allowed-names', 'frontProxyWrongName'],
    ['no clientAuth extended key usage', 'frontProxyServerUsage'],
    ['another CA', 'frontProxyOtherCa'],
  ])('does not trust identity headers from a certificate with %s', async (_case, cert) => {
    const reply = await fetch(metricUrlPath, {
      clientCert: certs[cert],
      headers: { 'X-Remote-User': 'system:admin', 'X-Remote-Group': 'system:masters' },
    });
    expect(reply.status).toBe(401);
    expect(sars()).toEqual([]);
  });

  it('does not take a client-ca-file certificate named front-proxy-client for the front proxy', async () => {
    const reply = await fetch(metricUrlPath, {
      clientCert: certs.frontProxyNameClientCa,
      headers: { 'X-Remote-User': 'system:admin', 'X-Remote-Group': 'system:masters' },
    });
    // Both CAs are trusted by TLS; only the requestheader CA may assert identities, so this is the
    // ordinary x509 user `front-proxy-client`, and not a member of system:masters.
    expect(reply.status).toBe(200);
    expect(sars()).toHaveLength(1);
    expect(sars()[0]).toMatchObject({ user: 'front-proxy-client', groups: ['system:authenticated'] });
  });

  it('authenticates a client-ca-file certificate as its CN with groups O, ignoring identity headers', async () => {
    const reply = await fetch(metricUrlPath, {
      clientCert: certs.alice,
      headers: { 'X-Remote-User': 'system:admin', 'X-Remote-Group': 'system:masters' },
    });
    expect(reply.status).toBe(200);
    expect(sars()[0]).toMatchObject({ user: 'alice', groups: ['team-a', 'team-b', 'system:authenticated'] });
  });

  it('authenticates a bearer token through TokenReview and reuses the review for 10 s', async () => {
    expect((await fetch(metricUrlPath, asHpa)).status).toBe(200);
    now += seconds(9);
    board.publish(publishedPolicy({ atMs: now }));
    expect((await fetch(metricUrlPath, asHpa)).status).toBe(200);
    expect(cluster.authn.tokenReviews).toEqual(['hpa-token']);
    now += seconds(1);
    expect((await fetch(metricUrlPath, asHpa)).status).toBe(200);
    expect(cluster.authn.tokenReviews).toEqual(['hpa-token', 'hpa-token']);
  });

  it('refuses a token that TokenReview does not authenticate', async () => {
    const reply = await fetch(metricUrlPath, { headers: { authorization: 'Bearer stolen' } });
    expect(reply.status).toBe(401);
    expect(cluster.authn.tokenReviews).toEqual(['stolen']);
  });

  it.each<[string, string | undefined, string]>([
    [
      'without a reason',
      undefined,
      `prefill-desired-replicas.external.metrics.k8s.io is forbidden: User "${hpaUser}" cannot list resource "prefill-desired-replicas" in API group "external.metrics.k8s.io" in the namespace "default"`,
    ],
    [
      'with the reason the authorizer gave',
      'RBAC: clusterrole "hpa-external-metrics" not found',
      `prefill-desired-replicas.external.metrics.k8s.io is forbidden: User "${hpaUser}" cannot list resource "prefill-desired-replicas" in API group "external.metrics.k8s.io" in the namespace "default": RBAC: clusterrole "hpa-external-metrics" not found`,
    ],
  ])(
    'answers a denied metric read with 403 Forbidden in kube-apiserver words, %s',
    async (_case, reason, message) => {
      cluster.authn.authorize = () => ({ allowed: false, ...(reason === undefined ? {} : { reason }) });
      const reply = await fetch(metricUrlPath, asHpa);
      expect(reply.status).toBe(403);
      expect(reply.json).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason: 'Forbidden',
        details: { group: 'external.metrics.k8s.io', kind: 'prefill-desired-replicas' },
        code: 403,
      });
    },
  );

  it('authorizes discovery as a non-resource path and words its denial like kube-apiserver', async () => {
    cluster.authn.authorize = () => ({ allowed: false });
    const reply = await fetch(discoveryPath, { clientCert: certs.alice });
    expect(reply.status).toBe(403);
    expect(reply.json).toMatchObject({
      message: 'forbidden: User "alice" cannot get path "/apis/external.metrics.k8s.io/v1beta1"',
      details: {},
    });
    expect(sars()[0]).toMatchObject({ nonResourceAttributes: { path: discoveryPath, verb: 'get' } });
  });

  it('reuses an allow for 10 s: a second read within 10 s asks no second SubjectAccessReview', async () => {
    expect((await fetch(metricUrlPath, asHpa)).status).toBe(200);
    now += seconds(9.9);
    board.publish(publishedPolicy({ atMs: now }));
    expect((await fetch(metricUrlPath, asHpa)).status).toBe(200);
    expect(sars()).toHaveLength(1);
    now += seconds(0.1);
    expect((await fetch(metricUrlPath, asHpa)).status).toBe(200);
    expect(sars()).toHaveLength(2);
  });

  it('reuses a deny for 10 s as well, and keys the cache on the attributes', async () => {
    cluster.authn.authorize = () => ({ allowed: false });
    expect((await fetch(metricUrlPath, asHpa)).status).toBe(403);
    expect((await fetch(metricUrlPath, asHpa)).status).toBe(403);
    expect(sars()).toHaveLength(1);
    const otherMetric = metricUrlPath.replace('prefill-desired-replicas', 'decode-desired-replicas');
    expect((await fetch(otherMetric, asHpa)).status).toBe(403);
    expect(sars()).toHaveLength(2);
  });

  it('lets system:masters through without a SubjectAccessReview', async () => {
    cluster.authn.authorize = () => ({ allowed: false });
    expect((await fetch(metricUrlPath, { clientCert: certs.admin })).status).toBe(200);
    expect((await fetch(discoveryPath, { clientCert: certs.admin })).status).toBe(200);
    expect(sars()).toEqual([]);
  });

  it('answers 500 InternalError when the SubjectAccessReview itself fails, and asks again next time', async () => {
    cluster.server.failNext(1, 500, /subjectaccessreviews/);
    const reply = await fetch(metricUrlPath, asHpa);
    expect(reply.status).toBe(500);
    expect(reply.json).toMatchObject({
      reason: 'InternalError',
      message: 'Internal error occurred: HTTP 500: injected fault 500',
    });
    expect((await fetch(metricUrlPath, asHpa)).status).toBe(200);
  });

  it('serves /metrics only to an authenticated, authorized user', async () => {
    expect((await fetch('/metrics')).status).toBe(401);
    await fetch(metricUrlPath, asHpa);
    const reply = await fetch('/metrics', asHpa);
    expect(reply.status).toBe(200);
    expect(reply.text).toMatch(
      /pdscaler_external_metrics_request_duration_seconds_count\{route="metric",code="200"\} [1-9]/,
    );
    expect(reply.text).toMatch(
      /pdscaler_external_metrics_request_duration_seconds_count\{route="metric",code="401"\}/,
    );
    expect(sars().at(-1)).toMatchObject({ nonResourceAttributes: { path: '/metrics', verb: 'get' } });
  });

  it('follows a front-proxy CA rotation published in the ConfigMap', async () => {
    const rotatedCa = await makeCa('front-proxy-ca-2');
    const rotatedProxy = await makeClientCert(rotatedCa, { commonName: 'front-proxy-client' });
    const headers = { 'X-Remote-User': hpaUser };
    expect((await fetch(metricUrlPath, { clientCert: rotatedProxy, headers })).status).toBe(401);
    const changed = new Promise<AuthenticationConfig>((resolve) => {
      const stop = delegate.onAuthenticationConfigChange((config) => {
        stop();
        resolve(config);
      });
    });
    cluster.configMaps.store.apply(authenticationConfigMap(rotatedCa.cert, certs.clientCa.cert));
    await changed;
    expect((await fetch(metricUrlPath, { clientCert: rotatedProxy, headers })).status).toBe(200);
    expect((await fetch(metricUrlPath, { clientCert: certs.frontProxy, headers })).status).toBe(401);
    cluster.configMaps.store.apply(authenticationConfigMap(certs.frontProxyCa.cert, certs.clientCa.cert));
  });
});
