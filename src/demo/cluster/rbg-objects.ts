// SPDX-License-Identifier: Apache-2.0
// RoleBasedGroup and RoleBasedGroupScalingAdapter objects (workloads.x-k8s.io/v1alpha2) as the RBG
// controller leaves them, plus typed views of the fields the fake controller reads (docs/reference.md §A.2, §A.3).
import { createHash } from 'node:crypto';
import type { KubeObject } from './fake-apiserver.js';

export const RBG_GROUP = 'workloads.x-k8s.io';
export const RBG_VERSION = 'v1alpha2';
export const RBG_API_VERSION = `${RBG_GROUP}/${RBG_VERSION}`;
/** Label keys from v0.7 (docs/reference.md §A.4). */
export const GROUP_NAME_LABEL = 'rbg.workloads.x-k8s.io/group-name';
export const ROLE_NAME_LABEL = 'rbg.workloads.x-k8s.io/role-name';
export const GROUP_UID_LABEL = 'rbg.workloads.x-k8s.io/group-uid';

export type PdRole = 'prefill' | 'decode';

/** `spec.roles[]` fields the fake reads. */
export interface RoleSpecView {
  name: string;
  replicas?: number;
  scalingAdapter?: { enable?: boolean; labels?: Record<string, string> };
}

/** `status.roleStatuses[]` (docs/reference.md §A.2). */
export interface RoleStatusView {
  name: string;
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
}

export function rolesOf(rbg: KubeObject): RoleSpecView[] {
  const spec = rbg.spec as { roles?: RoleSpecView[] } | undefined;
  return spec?.roles ?? [];
}

export function roleStatusesOf(rbg: KubeObject): RoleStatusView[] {
  const status = rbg.status as { roleStatuses?: RoleStatusView[] } | undefined;
  return status?.roleStatuses ?? [];
}

/** `<rbg>-<role>`, not truncated (`GenerateScalingAdapterName`, docs/reference.md §A.3). */
export function adapterName(rbg: string, role: string): string {
  return `${rbg}-${role}`;
}

/** sha1 of `<namespace>/<rbg>`, the `group-uid` label value (docs/reference.md §A.4). */
export function groupUid(namespace: string, rbg: string): string {
  return createHash('sha1').update(`${namespace}/${rbg}`).digest('hex');
}

/** The bound selector, keys sorted as `labels.SelectorFromSet` prints them (docs/reference.md §A.3 "Binding"). */
export function roleSelector(namespace: string, rbg: string, role: string): string {
  return [
    `${GROUP_NAME_LABEL}=${rbg}`,
    `${GROUP_UID_LABEL}=${groupUid(namespace, rbg)}`,
    `${ROLE_NAME_LABEL}=${role}`,
  ].join(',');
}

export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `Ready` is True when every role has spec replicas == status replicas == readyReplicas (docs/reference.md §A.2). */
export function readyCondition(rbg: KubeObject, nowMs: number): Record<string, unknown> {
  const statuses = roleStatusesOf(rbg);
  const ready = rolesOf(rbg).every((role) => {
    const status = statuses.find((s) => s.name === role.name);
    return (
      status !== undefined && status.replicas === role.replicas && status.readyReplicas === role.replicas
    );
  });
  return {
    type: 'Ready',
    status: ready ? 'True' : 'False',
    reason: ready ? 'AllRolesReady' : 'RoleNotReady',
    message: ready ? 'All roles are ready' : 'Not all roles are ready',
    lastTransitionTime: isoSeconds(nowMs),
  };
}

export interface RbgObjectOptions {
  readonly namespace: string;
  readonly name: string;
  readonly replicas: Readonly<Record<PdRole, number>>;
  readonly ready: boolean;
  readonly nowMs: number;
}

/** A PD RoleBasedGroup with both roles under a scaling adapter, as the controller reports it. */
export function makeRbg(options: RbgObjectOptions): KubeObject {
  const roles = (['prefill', 'decode'] as const).map((role) => ({
    name: role,
    replicas: options.replicas[role],
    scalingAdapter: { enable: true },
    standalonePattern: {
      template: { spec: { containers: [{ name: 'engine', image: 'vllm/vllm-openai:latest' }] } },
    },
  }));
  const rbg: KubeObject = {
    apiVersion: RBG_API_VERSION,
    kind: 'RoleBasedGroup',
    metadata: {
      name: options.name,
      namespace: options.namespace,
      generation: 1,
      creationTimestamp: isoSeconds(options.nowMs),
    },
    spec: { roles },
    status: {
      observedGeneration: 1,
      roleStatuses: roles.map((role) => ({
        name: role.name,
        replicas: role.replicas,
        readyReplicas: options.ready ? role.replicas : 0,
        updatedReplicas: role.replicas,
      })),
    },
  };
  (rbg.status as Record<string, unknown>).conditions = [readyCondition(rbg, options.nowMs)];
  return rbg;
}

export interface AdapterObjectOptions {
  /** The stored RBG (its uid goes into ownerReferences). */
  readonly rbg: KubeObject;
  readonly role: PdRole;
  readonly bound: boolean;
  readonly nowMs: number;
}

/** The adapter the RBG controller creates for a role; bound or not yet bound (docs/reference.md §A.3). */
export function makeAdapter({ rbg, role, bound, nowMs }: AdapterObjectOptions): KubeObject {
  const namespace = rbg.metadata?.namespace ?? 'default';
  const rbgName = rbg.metadata?.name ?? '';
  const spec = rolesOf(rbg).find((r) => r.name === role);
  const status = roleStatusesOf(rbg).find((s) => s.name === role);
  const replicas = spec?.replicas ?? 1;
  return {
    apiVersion: RBG_API_VERSION,
    kind: 'RoleBasedGroupScalingAdapter',
    metadata: {
      name: adapterName(rbgName, role),
      namespace,
      creationTimestamp: isoSeconds(nowMs),
      labels: { [GROUP_NAME_LABEL]: rbgName, [ROLE_NAME_LABEL]: role },
      ownerReferences: [
        {
          apiVersion: RBG_API_VERSION,
          kind: 'RoleBasedGroup',
          name: rbgName,
          uid: rbg.metadata?.uid,
          blockOwnerDeletion: true,
        },
      ],
    },
    // `spec.replicas` stays unset until the adapter binds.
    spec: { scaleTargetRef: { name: rbgName, role }, ...(bound ? { replicas } : {}) },
    status: bound
      ? {
          phase: 'Bound',
          replicas,
          readyReplicas: status?.readyReplicas ?? 0,
          selector: roleSelector(namespace, rbgName, role),
        }
      : { phase: 'NotBound' },
  };
}
