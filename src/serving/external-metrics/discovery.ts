// SPDX-License-Identifier: Apache-2.0
// The discovery documents of `external.metrics.k8s.io`, exactly as custom-metrics-apiserver serves them
// (docs/reference.md §B.3.3). Static: discovery must answer fast and never fail.

export const metricsGroup = 'external.metrics.k8s.io';
export const metricsVersion = 'v1beta1';
export const metricsGroupVersion = `${metricsGroup}/${metricsVersion}`;

/**
 * `GET /apis/external.metrics.k8s.io/v1beta1`. One placeholder resource, as KEDA lists since v2.11:
 * enumerating real metrics made discovery slow, and the HPA does not read discovery for external
 * metrics. Verbs stay `["get"]` so the namespace controller and garbage collector leave it alone (§3.3).
 */
export const apiResourceList = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: metricsGroupVersion,
  resources: [
    {
      name: 'externalmetrics',
      singularName: '',
      namespaced: true,
      kind: 'ExternalMetricValueList',
      verbs: ['get'],
    },
  ],
} as const;

const groupVersionForDiscovery = { groupVersion: metricsGroupVersion, version: metricsVersion } as const;

/** `GET /apis/external.metrics.k8s.io`: the APIGroup the aggregator would build from the APIService (§3.3). */
export const apiGroup = {
  kind: 'APIGroup',
  apiVersion: 'v1',
  name: metricsGroup,
  versions: [groupVersionForDiscovery],
  preferredVersion: groupVersionForDiscovery,
} as const;

/**
 * `GET /apis`: the legacy APIGroupList. The aggregator asks for aggregated discovery v2 first and falls
 * back to the APIResourceList on this answer; a 503 here would leave it on a stale cache (§3.3).
 */
export const apiGroupList = {
  kind: 'APIGroupList',
  apiVersion: 'v1',
  groups: [{ name: apiGroup.name, versions: apiGroup.versions, preferredVersion: apiGroup.preferredVersion }],
} as const;
