// SPDX-License-Identifier: Apache-2.0
// Ownership of v1beta1.external.metrics.k8s.io against the fake cluster: register when absent, patch
// our own, refuse a foreign owner (KEDA) with a message that says how to switch, take over on opt-in.
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ApiServiceOwnedElsewhereError,
  ApiServiceRegistration,
  externalMetricsApiService,
  foreignOwnerMessage,
} from '../../src/kube/apiservice.js';
import { FakeCluster } from '../../src/demo/cluster/fake-cluster.js';
import { testCertificate } from '../../src/demo/cluster/tls.js';

const ours = { namespace: 'pdscaler-system', name: 'pdscaler' };
const name = externalMetricsApiService.name;
let cluster: FakeCluster;
let registration: ApiServiceRegistration;
let caPem: string;

beforeAll(async () => {
  cluster = await FakeCluster.start();
  registration = new ApiServiceRegistration({
    kubeConfig: cluster.kubeConfig(),
    logger: pino({ level: 'silent' }),
  });
  caPem = (await testCertificate()).cert;
});
afterAll(async () => {
  await cluster.close();
});
beforeEach(() => {
  cluster.apiServices.store.remove('', name);
});

function stored(): Record<string, unknown> | undefined {
  return cluster.apiServices.store.get('', name)?.spec as Record<string, unknown> | undefined;
}

/** The APIService KEDA's metrics server registers (docs/reference.md §B.6). */
function seedForeign(service: { namespace: string; name: string }): void {
  cluster.apiServices.store.apply({
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name },
    spec: {
      group: 'external.metrics.k8s.io',
      version: 'v1beta1',
      service: { ...service, port: 443 },
      caBundle: Buffer.from('keda ca').toString('base64'),
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  });
}

const kedaMessage =
  'APIService v1beta1.external.metrics.k8s.io is owned by KEDA (Service keda/keda-operator-metrics-apiserver); ' +
  'pdscaler in standalone mode would replace it and break every KEDA ScaledObject in the cluster (their HPAs read ' +
  "metrics through it). Either set `mode: keda` in the pdscaler config (KEDA then calls pdscaler's gRPC external " +
  'scaler), or set `externalMetrics.apiService.takeOver: true` to replace the APIService.';

describe('ApiServiceRegistration', () => {
  it('registers the APIService with our Service and CA bundle when none exists', async () => {
    expect(await registration.owner(ours)).toEqual({ owner: 'absent' });

    expect(await registration.ensure({ service: ours, caBundlePem: caPem, takeOver: false })).toEqual({
      action: 'created',
    });

    expect(stored()).toEqual({
      group: 'external.metrics.k8s.io',
      version: 'v1beta1',
      service: { namespace: 'pdscaler-system', name: 'pdscaler', port: 443 },
      groupPriorityMinimum: 100,
      versionPriority: 100,
      caBundle: Buffer.from(caPem).toString('base64'),
    });
    expect(await registration.owner(ours)).toEqual({ owner: 'ours' });
  });

  it('patches our own APIService, dropping caBundle when switching to insecureSkipTLSVerify', async () => {
    await registration.ensure({ service: ours, caBundlePem: caPem, takeOver: false });

    expect(
      await registration.ensure({
        service: { ...ours, port: 6443 },
        insecureSkipTLSVerify: true,
        takeOver: false,
      }),
    ).toEqual({ action: 'updated' });

    expect(stored()).toEqual(
      expect.objectContaining({ insecureSkipTLSVerify: true, service: { ...ours, port: 6443 } }),
    );
    expect(stored()).not.toHaveProperty('caBundle');
  });

  it('refuses to replace KEDA’s APIService, says who owns it and how to switch, and writes nothing', async () => {
    seedForeign({ namespace: 'keda', name: 'keda-operator-metrics-apiserver' });
    const before = stored();
    const from = cluster.server.requests.length;

    expect(await registration.owner(ours)).toEqual({
      owner: 'foreign',
      service: 'keda/keda-operator-metrics-apiserver',
    });
    const refused = registration.ensure({ service: ours, caBundlePem: caPem, takeOver: false });

    await expect(refused).rejects.toThrow(ApiServiceOwnedElsewhereError);
    await expect(refused).rejects.toThrow(kedaMessage);
    expect(cluster.server.requests.slice(from).every((r) => r.startsWith('GET '))).toBe(true);
    expect(stored()).toEqual(before);
  });

  it('takes over a foreign APIService when takeOver is set', async () => {
    seedForeign({ namespace: 'keda', name: 'keda-operator-metrics-apiserver' });

    expect(await registration.ensure({ service: ours, caBundlePem: caPem, takeOver: true })).toEqual({
      action: 'taken-over',
    });

    expect(stored()).toMatchObject({
      service: { ...ours, port: 443 },
      caBundle: Buffer.from(caPem).toString('base64'),
      insecureSkipTLSVerify: false,
    });
    expect(await registration.owner(ours)).toEqual({ owner: 'ours' });
  });

  it('reads an APIService without a service as served by kube-apiserver itself', async () => {
    cluster.apiServices.store.apply({
      metadata: { name },
      spec: {
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    });
    expect(await registration.owner(ours)).toEqual({ owner: 'foreign', service: 'local' });
  });

  it.each([
    {
      service: 'keda/keda-operator-metrics-apiserver',
      names: 'KEDA (Service keda/keda-operator-metrics-apiserver)',
    },
    { service: 'autoscaling/my-keda-metrics', names: 'KEDA (Service autoscaling/my-keda-metrics)' },
    { service: 'monitoring/prometheus-adapter', names: 'Service monitoring/prometheus-adapter' },
  ])('names the owner of a foreign APIService: $service', ({ service, names }) => {
    const message = foreignOwnerMessage(service);
    expect(message).toContain(`is owned by ${names};`);
    expect(message).toContain('`mode: keda`');
    expect(message).toContain('`externalMetrics.apiService.takeOver: true`');
  });

  it('explains that a non-KEDA owner loses its HPA and ScaledObject consumers', () => {
    expect(foreignOwnerMessage('monitoring/prometheus-adapter')).toContain(
      'break every HPA and KEDA ScaledObject that reads external metrics from monitoring/prometheus-adapter',
    );
  });
});
