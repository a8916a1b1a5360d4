// SPDX-License-Identifier: Apache-2.0
// Recognizes the queries of KEDA-generated HPAs. Only KEDA's metrics server can answer them, so getting
// one means pdscaler took over KEDA's APIService: the answer says so instead of a bare "not found"
// (docs/reference.md §B.6, items 1 and 4; kedacore/keda#1344 is the reverse case).
import type { Requirement } from './label-selector.js';

/** KEDA names every metric `s<trigger index>-<name>` (§2.4). */
const kedaMetricName = /^s\d+-/;
/** The selector every KEDA HPA sends (§6). */
const kedaScaledObjectLabel = 'scaledobject.keda.sh/name';

/** True for a metric request shaped like a KEDA HPA's: an `s<N>-` name or the ScaledObject selector. */
export function isKedaRequest(metric: string, requirements: readonly Requirement[]): boolean {
  return kedaMetricName.test(metric) || requirements.some((r) => r.key === kedaScaledObjectLabel);
}

/** The NotFound message for a KEDA-shaped request: what happened and how to fix it (§6, item 2). */
export function kedaConflictMessage(metric: string, namespace: string): string {
  return (
    `the external metric ${JSON.stringify(metric)} in namespace ${JSON.stringify(namespace)} is a KEDA ` +
    `ScaledObject metric, which only KEDA's metrics server can answer: KEDA's HPAs are querying pdscaler's ` +
    `APIService, which means pdscaler took over v1beta1.external.metrics.k8s.io from KEDA. Switch pdscaler ` +
    `to "mode: keda" (its KEDA external scaler) and let KEDA own the APIService; ` +
    `only one server can serve external.metrics.k8s.io in a cluster`
  );
}
