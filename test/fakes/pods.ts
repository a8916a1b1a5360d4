// SPDX-License-Identifier: Apache-2.0
// Pod objects as the apiserver returns them, built from only what a test cares about.
import type { KubeObject } from '../../src/demo/cluster/fake-apiserver.js';

export interface PodSpecLite {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  /** @default true */
  readonly ready?: boolean;
  /** @default 'Running' */
  readonly phase?: string;
  /** @default derived from the name; `null` for a pod without an IP yet */
  readonly ip?: string | null;
  /** Sets `metadata.deletionTimestamp` (the pod is terminating). */
  readonly terminating?: boolean;
}

let ipCounter = 10;

/** A pod in JSON form; the fake apiserver fills uid and resourceVersion. */
export function makePod(spec: PodSpecLite): KubeObject {
  const ip = spec.ip === undefined ? `10.0.0.${ipCounter++ % 250}` : spec.ip;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: spec.name,
      namespace: spec.namespace ?? 'serving',
      labels: spec.labels ?? {},
      annotations: spec.annotations ?? {},
      ...(spec.terminating === true ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { containers: [{ name: 'engine', image: 'vllm/vllm-openai:latest' }] },
    status: {
      phase: spec.phase ?? 'Running',
      ...(ip === null ? {} : { podIP: ip, podIPs: [{ ip }] }),
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: spec.ready === false ? 'False' : 'True' },
      ],
    },
  };
}

/** RBG v0.7+ labels for a role pod (docs/reference.md §A.4). */
export function rbgLabels(
  rbg: string,
  role: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'rbg.workloads.x-k8s.io/group-name': rbg,
    'rbg.workloads.x-k8s.io/role-name': role,
    ...extra,
  };
}

/** RBG up to v0.6 labels for a role pod (docs/reference.md §A.4). */
export function legacyRbgLabels(
  rbg: string,
  role: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'rolebasedgroup.workloads.x-k8s.io/name': rbg,
    'rolebasedgroup.workloads.x-k8s.io/role': role,
    ...extra,
  };
}
