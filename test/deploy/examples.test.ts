// SPDX-License-Identifier: Apache-2.0
// deploy/examples/ fits the policy it is the example for (policies/chat-h200.yaml): the RoleBasedGroup
// is the policy's target with a scaling adapter on both roles and the engines' metrics port where the
// policy scrapes, and the HPAs read pdscaler's desired-replicas metrics for that policy and scale the
// adapters the RBG controller creates (docs/reference.md §A.3), within the policy's bounds, without the HPA's
// tolerance band (docs/serving.md "The HPA tolerance trap").
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Roles, type DecisionSpec, type Role } from '../../src/decision/types.js';
import { loadPolicyFile } from '../../src/policy/load.js';
import type { MetricsSpec } from '../../src/policy/metrics.js';
import { policyLabel } from '../../src/serving/external-metrics/metric-answer.js';
import { desiredReplicasMetric } from '../../src/serving/metric-values.js';
import { hpaPerPodReplicas } from '../../src/sim/systems/hpa-queue.js';
import type { Container } from './mounts.js';
import { readManifests, repoRoot, type KubeObject } from './render.js';
import { validationErrors } from './validate.js';

interface RbgRole {
  readonly name: string;
  readonly dependencies?: readonly string[];
  readonly scalingAdapter?: { enable?: boolean };
  readonly standalonePattern: {
    template: { metadata: { annotations: Record<string, string> }; spec: { containers: Container[] } };
  };
}

interface HpaSpec {
  readonly scaleTargetRef: { apiVersion: string; kind: string; name: string };
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly metrics: {
    type: string;
    external: {
      metric: { name: string; selector: { matchLabels: Record<string, string> } };
      target: { type: string; averageValue: string };
    };
  }[];
  readonly behavior: { scaleUp: { tolerance: number }; scaleDown: { tolerance: number } };
}

function loadPolicy(): { spec: DecisionSpec; metrics: MetricsSpec } {
  const loaded = loadPolicyFile(`${repoRoot}policies/chat-h200.yaml`);
  if (!loaded.ok) throw new Error('policies/chat-h200.yaml must load');
  return loaded;
}

const { spec, metrics } = loadPolicy();
const [rbg] = readManifests('deploy/examples/rbg-vllm-pd.yaml');
const hpas = readManifests('deploy/examples/hpa.yaml');
const rbgRoles = (rbg?.spec as { roles: RbgRole[] }).roles;
const roleOf = (role: Role): RbgRole => {
  const found = rbgRoles.find((r) => r.name === spec.roles[role].roleName);
  if (found === undefined) throw new Error(`the RBG has no role ${spec.roles[role].roleName}`);
  return found;
};

/** The adapter the RBG controller creates for an enabled role (docs/reference.md §A.3 "Auto-creation, naming and lifecycle"). */
function createdAdapter(group: KubeObject, role: RbgRole): KubeObject {
  return {
    apiVersion: 'workloads.x-k8s.io/v1alpha2',
    kind: 'RoleBasedGroupScalingAdapter',
    metadata: {
      name: `${group.metadata.name}-${role.name}`,
      namespace: group.metadata.namespace ?? '',
      labels: {
        'rbg.workloads.x-k8s.io/group-name': group.metadata.name,
        'rbg.workloads.x-k8s.io/role-name': role.name,
      },
      ownerReferences: [
        {
          apiVersion: group.apiVersion,
          kind: group.kind,
          name: group.metadata.name,
          uid: 'uid',
          blockOwnerDeletion: true,
        },
      ],
    } as KubeObject['metadata'],
    spec: { scaleTargetRef: { name: group.metadata.name, role: role.name } },
  };
}

const adapters = rbgRoles
  .filter((r) => r.scalingAdapter?.enable === true)
  .map((r) => createdAdapter(rbg!, r));

describe('deploy/examples/rbg-vllm-pd.yaml', () => {
  it("is the policy's target RoleBasedGroup", () => {
    expect([rbg?.kind, rbg?.metadata.name, rbg?.metadata.namespace]).toEqual([
      'RoleBasedGroup',
      spec.rbgName,
      spec.namespace,
    ]);
  });

  it.each(Roles)(
    'enables the scaling adapter on %s, and the adapter the controller creates is valid',
    (role) => {
      expect(roleOf(role).scalingAdapter?.enable).toBe(true);
      const adapter = adapters.find(
        (a) => a.metadata.name === `${spec.rbgName}-${spec.roles[role].roleName}`,
      );
      expect(adapter === undefined ? ['no adapter'] : validationErrors(adapter)).toEqual([]);
    },
  );

  it('has no dependencies between autoscaled roles (docs/reference.md §A.6 "Dependencies pitfall")', () => {
    const autoscaled = Roles.map((role) => spec.roles[role].roleName);
    const blocking = rbgRoles.filter(
      (r) =>
        (r.dependencies ?? []).length > 0 &&
        (autoscaled.includes(r.name) || r.dependencies?.some((d) => autoscaled.includes(d))),
    );
    expect(blocking.map((r) => r.name)).toEqual([]);
  });

  it.each(Roles)(
    'runs vLLM on %s with a KV transfer config and serves metrics where the policy scrapes',
    (role) => {
      const { template } = roleOf(role).standalonePattern;
      const [container] = template.spec.containers;
      const port = String(metrics.scrape.port ?? 8000);
      expect(template.metadata.annotations['prometheus.io/port']).toBe(port);
      expect(container?.ports?.map((p) => String(p.containerPort))).toContain(port);
      expect(String(container?.image)).toMatch(/^vllm\/vllm-openai:/);
      const args = container?.args ?? [];
      const kvConfig = args[args.indexOf('--kv-transfer-config') + 1] ?? '';
      expect(JSON.parse(kvConfig)).toMatchObject({ kv_connector: expect.any(String) as string });
    },
  );
});

describe('deploy/examples/hpa.yaml', () => {
  it('scales each adapter the RBG controller creates exactly once', () => {
    const targets = hpas.map((h) => (h.spec as HpaSpec).scaleTargetRef.name).sort();
    expect(targets).toEqual(adapters.map((a) => a.metadata.name).sort());
  });

  it.each(Roles)(
    "reads the %s role's desired replicas for this policy at averageValue 1, within the policy's bounds",
    (role) => {
      const adapterName = `${spec.rbgName}-${spec.roles[role].roleName}`;
      const hpa = hpas.find((h) => (h.spec as HpaSpec).scaleTargetRef.name === adapterName);
      const hpaSpec = hpa?.spec as HpaSpec;
      expect(hpa?.metadata.namespace).toBe(spec.namespace);
      expect(hpaSpec.scaleTargetRef).toEqual({
        apiVersion: 'workloads.x-k8s.io/v1alpha2',
        kind: 'RoleBasedGroupScalingAdapter',
        name: adapterName,
      });
      expect([hpaSpec.minReplicas, hpaSpec.maxReplicas]).toEqual([
        spec.roles[role].minReplicas,
        spec.roles[role].maxReplicas,
      ]);
      expect(hpaSpec.metrics).toEqual([
        {
          type: 'External',
          external: {
            metric: {
              name: desiredReplicasMetric(role),
              selector: { matchLabels: { [policyLabel]: spec.name } },
            },
            target: { type: 'AverageValue', averageValue: '1' },
          },
        },
      ]);
    },
  );

  it.each(hpas.map((h) => [h.metadata.name, h] as const))(
    '%s runs what pdscaler asks for, even a change of 10% or less',
    (_name, hpa) => {
      const { scaleUp, scaleDown } = (hpa.spec as HpaSpec).behavior;
      expect(hpaPerPodReplicas(12, 1, 11, scaleUp.tolerance)).toBe(12);
      expect(hpaPerPodReplicas(15, 1, 16, scaleDown.tolerance)).toBe(15);
    },
  );

  it('says which Kubernetes versions accept the tolerance field', () => {
    const text = readFileSync(`${repoRoot}deploy/examples/hpa.yaml`, 'utf8');
    expect(text).toContain('HPAConfigurableTolerance');
    expect(text).toContain('1.33');
  });
});
