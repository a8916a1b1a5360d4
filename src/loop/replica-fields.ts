// SPDX-License-Identifier: Apache-2.0
// The Kubernetes part of a role's observation: the scaling adapter's spec replicas (what the role is
// asked to run), its ready replicas (RBG instances, docs/reference.md §A.8 item 5), and the difference, still
// starting. Engine sources count ready pods; the adapter counts instances, which is what we scale.
import type { Observation, Role, RoleObservation } from '../decision/types.js';

/** What the loop reads of one role's RoleBasedGroupScalingAdapter. */
export interface RoleReplicasView {
  /** `spec.replicas` (also the `/scale` spec). */
  readonly specReplicas: number | undefined;
  readonly readyReplicas: number | undefined;
  /** `status.phase`: `Bound` once the adapter drives the role. */
  readonly phase: string | undefined;
}

export type PolicyReplicas = Readonly<Record<Role, RoleReplicasView | undefined>>;

export const unknownReplicas: PolicyReplicas = { prefill: undefined, decode: undefined };

function withReplicas(
  role: RoleObservation,
  view: RoleReplicasView | undefined,
  nowMs: number,
): RoleObservation {
  if (view === undefined) return role;
  const merged: { -readonly [K in keyof RoleObservation]: RoleObservation[K] } = { ...role };
  if (view.specReplicas !== undefined) merged.desiredReplicas = { value: view.specReplicas, atMs: nowMs };
  if (view.readyReplicas !== undefined) merged.readyReplicas = { value: view.readyReplicas, atMs: nowMs };
  if (view.specReplicas !== undefined && view.readyReplicas !== undefined)
    merged.pendingReplicas = { value: Math.max(0, view.specReplicas - view.readyReplicas), atMs: nowMs };
  return merged;
}

/** The metrics observation with each role's adapter replicas filled in. */
export function withAdapterReplicas(
  observation: Observation,
  replicas: PolicyReplicas,
  nowMs: number,
): Observation {
  return {
    roles: {
      prefill: withReplicas(observation.roles.prefill, replicas.prefill, nowMs),
      decode: withReplicas(observation.roles.decode, replicas.decode, nowMs),
    },
  };
}
