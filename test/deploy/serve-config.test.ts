// SPDX-License-Identifier: Apache-2.0
// Each overlay's serve config loads with `loadServeConfig` from the files the container mounts (serve
// config, policies, profiles), and agrees with the manifests around it: namespaces, the Service and
// ports it listens on, the certificate it serves, who owns the APIService, and the KEDA triggers that
// call it.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DecisionBoard } from '../../src/loop/board.js';
import type { ServeConfig } from '../../src/loop/config.js';
import { resolveTrigger } from '../../src/serving/keda/trigger.js';
import { kubectlMissing, skipKubectl } from '../helpers/kubectl.js';
import { loadRenderedServeConfig, pdscalerPod, profilesConfigMap, type Container } from './mounts.js';
import {
  findObject,
  kustomize,
  overlays,
  pdscalerNamespace,
  repoRoot,
  type KubeObject,
  type Overlay,
} from './render.js';

const modeOf: Readonly<Record<Overlay, ServeConfig['mode']>> = {
  standalone: 'standalone',
  'standalone-secret': 'standalone',
  keda: 'keda',
  direct: 'direct',
};

interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly targetPort: string | number;
}

function servicePorts(objects: readonly KubeObject[], name: string): readonly ServicePort[] {
  return (findObject(objects, 'Service', name).spec as { ports: ServicePort[] }).ports;
}

function containerPort(container: Container, name: string | number): number | undefined {
  return typeof name === 'number' ? name : container.ports?.find((p) => p.name === name)?.containerPort;
}

function ofKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}

if (skipKubectl) console.warn(`serve-config.test.ts skipped: ${kubectlMissing}`);

describe.skipIf(skipKubectl)('serve configs of the overlays', () => {
  const rendered = new Map<Overlay, readonly KubeObject[]>();
  const configs = new Map<Overlay, ServeConfig>();
  beforeAll(async () => {
    for (const overlay of overlays) {
      const { objects } = await kustomize(`deploy/overlays/${overlay}`);
      rendered.set(overlay, objects);
      configs.set(overlay, loadRenderedServeConfig(objects));
    }
  });

  it.each(overlays)(
    '%s: loads in the container layout with the mode of its overlay and every mounted policy',
    (overlay) => {
      const config = configs.get(overlay)!;
      expect(config.mode).toBe(modeOf[overlay]);
      expect(config.file).toMatch(/\/etc\/pdscaler\/serve\.yaml$/);
      const policies = findObject(rendered.get(overlay)!, 'ConfigMap', 'pdscaler-policies') as {
        data?: object;
      };
      expect(config.policies.map((p) => p.file.replace(/^.*\/etc\/pdscaler\/policies\//, ''))).toEqual(
        Object.keys(policies.data ?? {}).sort(),
      );
    },
  );

  it.each(overlays)(
    '%s: elects a leader and keeps state in pdscaler-system, with the Pod name as identity',
    (overlay) => {
      const config = configs.get(overlay)!;
      expect(config.leaderElection?.namespace).toBe(pdscalerNamespace);
      expect(config.state?.namespace).toBe(pdscalerNamespace);
      expect(config.identity).toBeUndefined();
      const { container } = pdscalerPod(rendered.get(overlay)!);
      expect(container.env?.find((e) => e.name === 'POD_NAME')?.valueFrom).toEqual({
        fieldRef: { fieldPath: 'metadata.name' },
      });
    },
  );

  it.each(overlays)('%s: listens where the Service and the container ports send traffic', (overlay) => {
    const objects = rendered.get(overlay)!;
    const config = configs.get(overlay)!;
    const { container } = pdscalerPod(objects);
    const ports = servicePorts(objects, 'pdscaler');
    const listening = [config.externalMetrics?.port, config.keda?.port].filter((p) => p !== undefined);
    expect(ports.map((p) => containerPort(container, p.targetPort))).toEqual(listening);
    if (config.externalMetrics !== undefined) expect(ports.map((p) => p.port)).toEqual([443]);
    if (config.keda !== undefined) expect(ports.map((p) => p.port)).toEqual([config.keda.port]);
  });

  it.each(overlays)('%s: serves TLS from files inside a mounted Secret', (overlay) => {
    const objects = rendered.get(overlay)!;
    const tls = configs.get(overlay)!.externalMetrics?.tls;
    const { pod, container } = pdscalerPod(objects);
    const secretMounts = (container.volumeMounts ?? []).filter(
      (m) => pod.volumes?.find((v) => v.name === m.name)?.secret !== undefined,
    );
    const files = tls === undefined ? [] : [tls.certFile, tls.keyFile];
    for (const file of files)
      expect(
        secretMounts.some((m) => file.startsWith(`${m.mountPath}/`)),
        file,
      ).toBe(true);
    // direct and keda run without files: direct generates a pair for its read-only API, keda serves plain gRPC.
    expect(files.length > 0).toBe(overlay.startsWith('standalone'));
  });

  it.each(overlays)('%s: has exactly one owner for the APIService', (overlay) => {
    const objects = rendered.get(overlay)!;
    const apiService = configs.get(overlay)!.externalMetrics?.apiService;
    const shipped = ofKind(objects, 'APIService');
    if (overlay === 'standalone') expect([shipped.length, apiService?.manage]).toEqual([1, false]);
    else if (overlay === 'standalone-secret') expect([shipped.length, apiService?.manage]).toEqual([0, true]);
    else expect([shipped.length, apiService]).toEqual([0, undefined]);
  });

  it.each(['standalone', 'standalone-secret'] as const)(
    '%s: points the APIService at the pdscaler Service on port 443',
    (overlay) => {
      const objects = rendered.get(overlay)!;
      const service = configs.get(overlay)!.externalMetrics?.apiService?.service;
      expect(service).toEqual({ namespace: pdscalerNamespace, name: 'pdscaler' });
      expect(findObject(objects, 'Service', 'pdscaler').metadata.namespace).toBe(service?.namespace);
      for (const apiService of ofKind(objects, 'APIService'))
        expect((apiService.spec as { service: unknown }).service).toEqual({ ...service, port: 443 });
    },
  );

  it('standalone: cert-manager issues the serving certificate for <svc>.<ns>.svc from the CA the APIService trusts', () => {
    const objects = rendered.get('standalone')!;
    const apiService = findObject(objects, 'APIService', 'v1beta1.external.metrics.k8s.io');
    const [caNamespace, caName] = (
      apiService.metadata.annotations?.['cert-manager.io/inject-ca-from'] ?? ''
    ).split('/');
    const ca = findObject(objects, 'Certificate', caName ?? '');
    expect(ca.metadata.namespace).toBe(caNamespace);
    const caSpec = ca.spec as { isCA: boolean; secretName: string };
    expect(caSpec.isCA).toBe(true);
    const { pod } = pdscalerPod(objects);
    const servingSecret = pod.volumes?.find((v) => v.secret !== undefined)?.secret?.secretName;
    const serving = ofKind(objects, 'Certificate').find(
      (c) => (c.spec as { secretName: string }).secretName === servingSecret,
    );
    const spec = serving?.spec as { dnsNames: string[]; issuerRef: { name: string } } | undefined;
    expect(spec?.dnsNames).toContain(`pdscaler.${pdscalerNamespace}.svc`);
    const issuer = findObject(objects, 'Issuer', spec?.issuerRef.name ?? '');
    expect((issuer.spec as { ca?: { secretName: string } }).ca?.secretName).toBe(caSpec.secretName);
  });

  it('standalone-secret: documents the Secret it mounts, since nothing renders it', () => {
    const objects = rendered.get('standalone-secret')!;
    const secret = pdscalerPod(objects).pod.volumes?.find((v) => v.secret !== undefined)?.secret?.secretName;
    expect(ofKind(objects, 'Certificate')).toEqual([]);
    const readme = readFileSync(`${repoRoot}deploy/README.md`, 'utf8');
    expect(readme).toContain(`create secret tls ${secret ?? '?'}`);
  });

  it('keda: every ScaledObject reaches the scaler Service and resolves to a loaded policy and its adapter', () => {
    const objects = rendered.get('keda')!;
    const config = configs.get('keda')!;
    const board = new DecisionBoard();
    for (const policy of config.policies)
      board.publish({
        namespace: policy.spec.namespace,
        name: policy.spec.name,
        spec: policy.spec,
        intervalS: policy.metrics.intervalS,
        publishedAtMs: 0,
      });
    const scaledObjects = ofKind(objects, 'ScaledObject');
    const roles = scaledObjects.map((so) => {
      const spec = so.spec as {
        scaleTargetRef: { apiVersion: string; kind: string; name: string };
        minReplicaCount: number;
        maxReplicaCount: number;
        triggers: { type: string; metadata: Record<string, string> }[];
      };
      const [trigger] = spec.triggers;
      expect(trigger?.metadata.scalerAddress).toBe(
        `pdscaler.${pdscalerNamespace}.svc:${config.keda?.port ?? 0}`,
      );
      const resolved = resolveTrigger(board, {
        name: so.metadata.name,
        namespace: so.metadata.namespace ?? '',
        scalerMetadata: trigger?.metadata ?? {},
      });
      const role = resolved.entry.spec.roles[resolved.role];
      expect(spec.scaleTargetRef).toEqual({
        apiVersion: 'workloads.x-k8s.io/v1alpha2',
        kind: 'RoleBasedGroupScalingAdapter',
        name: `${resolved.entry.spec.rbgName}-${role.roleName}`,
      });
      expect([spec.minReplicaCount, spec.maxReplicaCount]).toEqual([role.minReplicas, role.maxReplicas]);
      return `${resolved.role} ${trigger?.type ?? ''}`;
    });
    expect(roles.sort()).toEqual(['decode external', 'prefill external-push']);
  });

  it('needs no profiles ConfigMap: the shipped policies load from the built-in profiles', () => {
    const objects = rendered.get('direct')!;
    const volume = pdscalerPod(objects).pod.volumes?.find((v) => v.configMap?.name === profilesConfigMap);
    expect(volume?.configMap).toEqual({ name: profilesConfigMap, optional: true });
    const config = loadRenderedServeConfig(objects);
    expect(config.policies.length).toBeGreaterThan(0);
    const readme = readFileSync(`${repoRoot}deploy/README.md`, 'utf8');
    expect(readme).toContain(`create configmap ${profilesConfigMap} --from-file=my-profile.json`);
  });
});
