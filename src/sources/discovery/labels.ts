// SPDX-License-Identifier: Apache-2.0
// The pod labels RBG puts on a role's pods, for both label schemes (docs/reference.md §A.4):
// v0.7+ (v1alpha2, prefix `rbg.workloads.x-k8s.io/`, sgl-project/rbg:api/workloads/constants/label.go)
// and up to v0.6 (v1alpha1, prefix `rolebasedgroup.workloads.x-k8s.io/`,
// sgl-project/rbg:api/workloads/v1alpha1/constant.go). A cluster mid-upgrade can run both, so discovery
// queries both selectors and merges the pods by uid.

/** v0.7+ label carrying the RBG name. */
export const GROUP_NAME_LABEL = 'rbg.workloads.x-k8s.io/group-name';
/** v0.7+ label carrying the role name. */
export const ROLE_NAME_LABEL = 'rbg.workloads.x-k8s.io/role-name';
/** v0.7+ leaderWorkerPattern only: `0` on the leader pod, `1…` on workers. */
export const COMPONENT_INDEX_LABEL = 'rbg.workloads.x-k8s.io/component-index';

/** Up to v0.6: label carrying the RBG name. */
export const LEGACY_GROUP_NAME_LABEL = 'rolebasedgroup.workloads.x-k8s.io/name';
/** Up to v0.6: label carrying the role name. */
export const LEGACY_ROLE_LABEL = 'rolebasedgroup.workloads.x-k8s.io/role';
/** Up to v0.6: component index of a pod inside one role instance (`0` is the leader). */
export const LEGACY_COMPONENT_INDEX_LABEL = 'component.rolebasedgroup.workloads.x-k8s.io/index';
/** Up to v0.6 leader-worker roles ran as LeaderWorkerSets: `0` is the leader. */
export const LWS_WORKER_INDEX_LABEL = 'leaderworkerset.sigs.k8s.io/worker-index';

/** Which RBG label scheme found a pod. */
export type LabelScheme = 'rbg-v0.7' | 'rbg-v0.6';

/** The labels that mark a leader pod, per scheme; any one of them equal to `0` makes a pod the leader. */
const leaderLabels: Readonly<Record<LabelScheme, readonly string[]>> = {
  'rbg-v0.7': [COMPONENT_INDEX_LABEL],
  'rbg-v0.6': [LEGACY_COMPONENT_INDEX_LABEL, LWS_WORKER_INDEX_LABEL, COMPONENT_INDEX_LABEL],
};

/** One RBG role in one namespace. */
export interface RoleRef {
  readonly namespace: string;
  /** The RoleBasedGroup's name. */
  readonly rbg: string;
  /** The role's name inside the RBG, e.g. `prefill`. */
  readonly role: string;
  /**
   * The role uses leaderWorkerPattern (multi-node instances): only the leader pod of each instance
   * serves traffic and exports the engine metrics, so only leaders are scraped.
   */
  readonly leaderWorker: boolean;
}

/**
 * The equality label selector for one scheme. For v0.7+ leader-worker roles the leader filter is part of
 * the selector, as the RBG scaling adapter builds it (`,rbg.workloads.x-k8s.io/component-index=0`,
 * docs/reference.md §A.3). v0.6 had two possible leader labels (RBG components or LeaderWorkerSet), so that scheme
 * filters leaders on the client with {@link isLeaderPod}.
 *
 * E.g. `rbg.workloads.x-k8s.io/group-name=llama,rbg.workloads.x-k8s.io/role-name=prefill`.
 */
export function roleSelector(ref: RoleRef, scheme: LabelScheme): string {
  if (scheme === 'rbg-v0.6') return `${LEGACY_GROUP_NAME_LABEL}=${ref.rbg},${LEGACY_ROLE_LABEL}=${ref.role}`;
  const base = `${GROUP_NAME_LABEL}=${ref.rbg},${ROLE_NAME_LABEL}=${ref.role}`;
  return ref.leaderWorker ? `${base},${COMPONENT_INDEX_LABEL}=0` : base;
}

/** Whether a pod of a leader-worker role is the instance leader; a pod with no leader label is not. */
export function isLeaderPod(labels: Readonly<Record<string, string>>, scheme: LabelScheme): boolean {
  return leaderLabels[scheme].some((key) => labels[key] === '0');
}

/** Both schemes, newest first: a pod labelled with both is reported under the newest. */
export const LabelSchemes: readonly LabelScheme[] = ['rbg-v0.7', 'rbg-v0.6'];
