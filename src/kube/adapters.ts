// SPDX-License-Identifier: Apache-2.0
// Access to a role's RoleBasedGroupScalingAdapter (RBGSA): the adapter object (phase, replicas,
// selector) and its `/scale` subresource. The RBG spec itself is never written: the RBG webhook rejects
// replica changes while an adapter owns them (docs/reference.md §A.3, §A.8).
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { apiErrorStatus } from './api-error.js';
import { requestOptions } from './request-options.js';

/** The adapter's group, storage version and plural (docs/reference.md §A.1). */
export const scalingAdapterResource = {
  group: 'workloads.x-k8s.io',
  version: 'v1alpha2',
  plural: 'rolebasedgroupscalingadapters',
} as const;

/** One role of one RoleBasedGroup. */
export interface RoleRef {
  readonly namespace: string;
  /** RoleBasedGroup name. */
  readonly rbg: string;
  /** Role name inside the group (`spec.roles[].name`). */
  readonly role: string;
}

/** `<rbg>-<role>`, the name the RBG controller gives the adapter it creates, not truncated (docs/reference.md §A.3). */
export function scalingAdapterName(ref: RoleRef): string {
  return `${ref.rbg}-${ref.role}`;
}

/** Why there is nothing to scale: adapters exist only for roles with `scalingAdapter.enable: true`. */
export function missingAdapterMessage(ref: RoleRef): string {
  return (
    `RoleBasedGroupScalingAdapter ${ref.namespace}/${scalingAdapterName(ref)} not found: ` +
    `set scalingAdapter.enable: true on role ${ref.role} of RoleBasedGroup ${ref.namespace}/${ref.rbg}`
  );
}

/** What the loop needs to know about a role, read from its adapter (docs/reference.md §A.3 "Spec and status"). */
export interface RoleAdapterState {
  /** `''` (new), `NotBound` or `Bound`; only a Bound adapter may be scaled. */
  readonly phase: string;
  /** The desired count: what HPA, KEDA or pdscaler last wrote, or the role's count copied at binding. */
  readonly specReplicas: number | undefined;
  /** Also a desired count (set at binding and after each scale), not running pods. */
  readonly statusReplicas: number | undefined;
  /** Mirror of the role's ready replicas (RBG v0.7+). */
  readonly readyReplicas: number | undefined;
  /** Pod label selector computed at binding; can stay empty (docs/reference.md §A.3 "Binding" caveats). */
  readonly selector: string | undefined;
}

/** An `autoscaling/v1` Scale as read, kept whole so a PUT sends it back with its resourceVersion. */
export interface ScaleSnapshot {
  readonly specReplicas: number | undefined;
  readonly resourceVersion: string | undefined;
  readonly object: Readonly<Record<string, unknown>>;
}

/** The calls the scale writer makes; each throws client-node's ApiException on an HTTP error. */
export interface ScalingAdapterApi {
  /** The adapter's state, or undefined when it does not exist. */
  getAdapter(ref: RoleRef, signal?: AbortSignal): Promise<RoleAdapterState | undefined>;
  getScale(ref: RoleRef, signal?: AbortSignal): Promise<ScaleSnapshot>;
  /** PUT `scale` with `spec.replicas = replicas`; a stale resourceVersion answers 409. */
  replaceScale(request: {
    readonly ref: RoleRef;
    readonly scale: ScaleSnapshot;
    readonly replicas: number;
    readonly signal?: AbortSignal | undefined;
  }): Promise<ScaleSnapshot>;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function integer(value: unknown): number | undefined {
  return Number.isInteger(value) ? (value as number) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Reads the fields pdscaler uses from an RBGSA object; missing or mistyped fields are undefined. */
export function parseAdapter(object: unknown): RoleAdapterState {
  const spec = record(record(object).spec);
  const status = record(record(object).status);
  return {
    phase: text(status.phase) ?? '',
    specReplicas: integer(spec.replicas),
    statusReplicas: integer(status.replicas),
    readyReplicas: integer(status.readyReplicas),
    selector: text(status.selector),
  };
}

export function parseScale(object: unknown): ScaleSnapshot {
  const scale = record(object);
  return {
    specReplicas: integer(record(scale.spec).replicas),
    resourceVersion: text(record(scale.metadata).resourceVersion),
    object: scale,
  };
}

/** A ScalingAdapterApi over client-node's CustomObjectsApi. */
export function kubeScalingAdapterApi(
  config: KubeConfig,
  options: { readonly requestTimeoutMs?: number } = {},
): ScalingAdapterApi {
  const api = config.makeApiClient(CustomObjectsApi);
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const target = (ref: RoleRef) => ({
    ...scalingAdapterResource,
    namespace: ref.namespace,
    name: scalingAdapterName(ref),
  });
  return {
    async getAdapter(ref, signal) {
      try {
        return parseAdapter(
          await api.getNamespacedCustomObject(target(ref), requestOptions({ timeoutMs, signal })),
        );
      } catch (error) {
        if (apiErrorStatus(error) === 404) return undefined;
        throw error;
      }
    },
    async getScale(ref, signal) {
      return parseScale(
        await api.getNamespacedCustomObjectScale(target(ref), requestOptions({ timeoutMs, signal })),
      );
    },
    async replaceScale({ ref, scale, replicas, signal }) {
      const body = { ...scale.object, spec: { ...record(scale.object.spec), replicas } };
      return parseScale(
        await api.replaceNamespacedCustomObjectScale(
          { ...target(ref), body },
          requestOptions({ timeoutMs, signal }),
        ),
      );
    },
  };
}
