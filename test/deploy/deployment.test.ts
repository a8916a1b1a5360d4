// SPDX-License-Identifier: Apache-2.0
// The pdscaler Deployment as every overlay renders it: two replicas behind a PodDisruptionBudget, a
// locked-down pod (non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp) with a
// writable /tmp, resource requests and limits, and probes that match what the mode serves: the external
// metrics API's anonymous /livez and /readyz over HTTPS, or the gRPC port in keda mode.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServeConfig } from '../../src/loop/config.js';
import { kubectlMissing, skipKubectl } from '../helpers/kubectl.js';
import { loadRenderedServeConfig, pdscalerPod } from './mounts.js';
import { findObject, kustomize, overlays, repoRoot, type KubeObject, type Overlay } from './render.js';

interface Probe {
  readonly httpGet?: { path: string; port: string; scheme: string };
  readonly tcpSocket?: { port: string };
}

if (skipKubectl) console.warn(`deployment.test.ts skipped: ${kubectlMissing}`);

describe.skipIf(skipKubectl)('the pdscaler Deployment', () => {
  const rendered = new Map<Overlay, readonly KubeObject[]>();
  const configs = new Map<Overlay, ServeConfig>();
  beforeAll(async () => {
    for (const overlay of overlays) {
      const { objects } = await kustomize(`deploy/overlays/${overlay}`);
      rendered.set(overlay, objects);
      configs.set(overlay, loadRenderedServeConfig(objects));
    }
  });

  it.each(overlays)('%s: runs two replicas and a PodDisruptionBudget keeping one', (overlay) => {
    const objects = rendered.get(overlay)!;
    const spec = findObject(objects, 'Deployment', 'pdscaler').spec as {
      replicas: number;
      selector: { matchLabels: Record<string, string> };
      template: { metadata: { labels: Record<string, string> } };
    };
    expect(spec.replicas).toBe(2);
    const pdb = findObject(objects, 'PodDisruptionBudget', 'pdscaler').spec as {
      minAvailable: number;
      selector: { matchLabels: Record<string, string> };
    };
    expect(pdb).toEqual({ minAvailable: 1, selector: spec.selector });
    const service = findObject(objects, 'Service', 'pdscaler').spec as { selector: Record<string, string> };
    expect(spec.template.metadata.labels).toMatchObject(service.selector);
    expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
  });

  it.each(overlays)(
    '%s: runs as uid 65532, non-root, read-only, without capabilities or privilege escalation',
    (overlay) => {
      const { pod, container } = pdscalerPod(rendered.get(overlay)!);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(readFileSync(`${repoRoot}Dockerfile`, 'utf8')).toMatch(/^USER 65532:65532$/m);
    },
  );

  it.each(overlays)('%s: has a writable emptyDir on /tmp and read-only config mounts', (overlay) => {
    const { pod, container } = pdscalerPod(rendered.get(overlay)!);
    const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    const others = (container.volumeMounts ?? []).filter((m) => m !== tmp);
    expect(others.filter((m) => m.readOnly !== true)).toEqual([]);
  });

  it.each(overlays)(
    '%s: requests and limits CPU and memory, with the V8 heap inside the limit',
    (overlay) => {
      const { container } = pdscalerPod(rendered.get(overlay)!);
      const resources = container.resources as {
        requests: Record<string, string>;
        limits: Record<string, string>;
      };
      expect(Object.keys(resources.requests).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(resources.limits).sort()).toEqual(['cpu', 'memory']);
      const limitMiB = Number(/^(\d+)Mi$/.exec(resources.limits.memory ?? '')?.[1]);
      const heapMiB = Number(
        /--max-old-space-size=(\d+)/.exec(
          container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '',
        )?.[1],
      );
      expect(heapMiB).toBeLessThan(limitMiB);
    },
  );

  it.each(overlays)('%s: probes what the mode serves', (overlay) => {
    const { container } = pdscalerPod(rendered.get(overlay)!);
    const config = configs.get(overlay)!;
    const liveness = container.livenessProbe as Probe;
    const readiness = container.readinessProbe as Probe;
    const portNamed = (name: string | undefined) =>
      container.ports?.find((p) => p.name === name)?.containerPort;
    if (config.externalMetrics === undefined) {
      // keda mode serves no HTTP (docs/serving.md): the scaler's port accepting connections is the signal.
      expect([liveness.httpGet, readiness.httpGet]).toEqual([undefined, undefined]);
      expect(portNamed(liveness.tcpSocket?.port)).toBe(config.keda?.port);
      expect(portNamed(readiness.tcpSocket?.port)).toBe(config.keda?.port);
      return;
    }
    expect([liveness.httpGet?.path, liveness.httpGet?.scheme]).toEqual(['/livez', 'HTTPS']);
    expect([readiness.httpGet?.path, readiness.httpGet?.scheme]).toEqual(['/readyz', 'HTTPS']);
    expect(portNamed(liveness.httpGet?.port)).toBe(config.externalMetrics.port);
    expect(portNamed(readiness.httpGet?.port)).toBe(config.externalMetrics.port);
  });

  it.each(overlays)('%s: starts the command the image runs by default', (overlay) => {
    const { container } = pdscalerPod(rendered.get(overlay)!);
    const dockerfile = readFileSync(`${repoRoot}Dockerfile`, 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(container.args).toEqual(JSON.parse(cmd ?? 'null'));
    expect(container.command).toBeUndefined();
  });
});
