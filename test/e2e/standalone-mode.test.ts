// SPDX-License-Identifier: Apache-2.0
// Standalone mode end to end: `pdscaler serve` registers the APIService v1beta1.external.metrics.k8s.io
// with its serving CA, and a REAL kubectl, trusting that CA and authenticating with a bearer token
// (TokenReview) and authorized per request (SubjectAccessReview) by the fake apiserver, reads the
// ExternalMetricValueList with `kubectl get --raw`, as the HPA would. A KEDA-owned APIService makes
// standalone refuse to start, saying how to switch to keda mode.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlMissing, skipKubectl } from '../helpers/kubectl.js';
import { namespace, ServeProcess, startScenario, writeServeConfig, type Scenario } from './harness.js';

if (skipKubectl) console.warn(`standalone-mode.test.ts skipped: ${kubectlMissing}`);

const metricPath = (metric: string, policy = 'llama') =>
  `/apis/external.metrics.k8s.io/v1beta1/namespaces/${namespace}/${metric}?labelSelector=${encodeURIComponent(`pdscaler.io/policy=${policy}`)}`;

let scenario: Scenario;
const processes: ServeProcess[] = [];

function standaloneConfig(name: string): string {
  return writeServeConfig(
    scenario,
    name,
    `mode: standalone
identity: ${name}
leaderElection: { enabled: false }
externalMetrics:
  address: 127.0.0.1
  port: 0
  apiService:
    service: { namespace: ${namespace}, name: pdscaler }
`,
  );
}

/** A kubeconfig for pdscaler's own API: its URL, the caBundle it registered, and a bearer token. */
function pdscalerKubeconfig(url: string, caBundle: string, token: string): string {
  const path = join(scenario.dir, `pdscaler-${token}.kubeconfig`);
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters: [{ name: pdscaler, cluster: { server: "${url}", certificate-authority-data: ${caBundle} } }]
users: [{ name: u, user: { token: ${token} } }]
contexts: [{ name: c, context: { cluster: pdscaler, user: u } }]
current-context: c
`,
  );
  return path;
}

beforeAll(async () => {
  scenario = await startScenario();
  // What kube-apiserver publishes for extension servers (reference §4.2). No front proxy in this test:
  // kubectl talks to pdscaler directly with a bearer token.
  scenario.cluster.configMaps.store.apply({
    metadata: { namespace: 'kube-system', name: 'extension-apiserver-authentication' },
    data: {
      'client-ca-file': scenario.cluster.server.caPem,
      'requestheader-client-ca-file': scenario.cluster.server.caPem,
      'requestheader-allowed-names': '["front-proxy-client"]',
      'requestheader-username-headers': '["X-Remote-User"]',
      'requestheader-group-headers': '["X-Remote-Group"]',
      'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
    },
  });
  scenario.cluster.authn.tokens.set('hpa-token', {
    username: 'system:serviceaccount:kube-system:horizontal-pod-autoscaler',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'],
  });
  scenario.cluster.authn.tokens.set('alice-token', { username: 'alice', groups: [] });
  scenario.cluster.authn.authorize = (spec) => ({
    allowed: spec.user !== 'alice',
    ...(spec.user === 'alice' ? { reason: 'no RBAC rule allows it' } : {}),
  });
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGKILL')));
  await scenario.close();
});

describe.skipIf(skipKubectl)('pdscaler serve in standalone mode', () => {
  let url: string;
  let caBundle: string;

  it('registers the APIService with its serving CA and announces its URL', async () => {
    const serve = new ServeProcess(standaloneConfig('standalone'));
    processes.push(serve);
    const announced = await serve.line(
      /^external metrics API: (https:\/\/127\.0\.0\.1:\d+)\/apis\/external\.metrics\.k8s\.io\/v1beta1$/,
    );
    url = announced[1] ?? '';
    const apiService = scenario.cluster.apiServices.store.get('', 'v1beta1.external.metrics.k8s.io');
    expect(apiService?.spec).toMatchObject({
      group: 'external.metrics.k8s.io',
      version: 'v1beta1',
      service: { namespace, name: 'pdscaler' },
    });
    caBundle = String((apiService?.spec as { caBundle?: string }).caBundle);
    expect(Buffer.from(caBundle, 'base64').toString()).toContain('BEGIN CERTIFICATE');
  }, 30_000);

  it('answers kubectl get --raw with the ExternalMetricValueList the HPA reads', async () => {
    const target = {
      kubeconfig: pdscalerKubeconfig(url, caBundle, 'hpa-token'),
      cacheDir: join(scenario.dir, 'cache'),
    };
    let last = { code: -1, stdout: '', stderr: '' };
    // The first decision needs two scrapes; until then the API answers 503 (the HPA holds).
    for (let i = 0; i < 40 && last.code !== 0; i++) {
      last = await kubectl(target, 'get', '--raw', metricPath('prefill-desired-replicas'));
      if (last.code !== 0) await new Promise((r) => setTimeout(r, 500));
    }
    expect(last.stderr).toBe('');
    const list = JSON.parse(last.stdout) as {
      kind: string;
      items: { metricName: string; value: string; metricLabels: object; timestamp: string }[];
    };
    expect(list.kind).toBe('ExternalMetricValueList');
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      metricName: 'prefill-desired-replicas',
      value: '1',
      metricLabels: { 'pdscaler.io/policy': 'llama' },
    });
    expect(list.items[0]?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const reviews = scenario.cluster.authn.subjectAccessReviews;
    expect(
      reviews.some(
        (r) =>
          r.resourceAttributes?.resource === 'prefill-desired-replicas' &&
          r.resourceAttributes.verb === 'list',
      ),
    ).toBe(true);
  }, 40_000);

  it('answers a user the SubjectAccessReview denies with a Kubernetes Forbidden', async () => {
    const target = {
      kubeconfig: pdscalerKubeconfig(url, caBundle, 'alice-token'),
      cacheDir: join(scenario.dir, 'cache'),
    };
    const denied = await kubectl(target, 'get', '--raw', metricPath('decode-desired-replicas'));
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/forbidden/i);
  });

  it('refuses to start when KEDA owns the APIService, and says how to switch to keda mode', async () => {
    scenario.cluster.apiServices.store.apply({
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.external.metrics.k8s.io', namespace: '' },
      spec: {
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        service: { namespace: 'keda', name: 'keda-operator-metrics-apiserver' },
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    });
    const serve = new ServeProcess(standaloneConfig('standalone-2'));
    processes.push(serve);
    expect(await serve.exited).toBe(2);
    expect(serve.stderr.join('\n')).toMatch(
      /owned by KEDA \(Service keda\/keda-operator-metrics-apiserver\).*mode: keda/s,
    );
  }, 30_000);
});
