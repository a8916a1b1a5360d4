// SPDX-License-Identifier: Apache-2.0
// A compiled policy's Prometheus settings -> the per-role query request: the RBG, namespace and role
// name from the target, the SLO quantile, the policy's window, timeout, model and PromQL overrides.
import { quantileFraction } from '../../decision/histogram-quantile.js';
import type { DecisionSpec, Role } from '../../decision/types.js';
import type { MetricsSpec } from '../../policy/metrics.js';
import type { RoleSignalsRequest } from './source.js';

/** The query request for one role, or undefined when the policy does not use Prometheus. */
export function roleSignalsRequest(
  spec: DecisionSpec,
  metrics: MetricsSpec,
  role: Role,
): RoleSignalsRequest | undefined {
  const prometheus = metrics.prometheus;
  if (metrics.source !== 'prometheus' || prometheus === undefined) return undefined;
  const modelLabel = metrics.engine === 'dynamo' ? 'model' : 'model_name';
  return {
    client: { baseUrl: prometheus.url, timeoutMs: prometheus.timeoutMs },
    engine: metrics.engine,
    role: {
      namespace: spec.namespace,
      rbg: spec.rbgName,
      role: spec.roles[role].roleName,
      quantile: quantileFraction(spec.slo.quantile),
      windowS: prometheus.windowS,
      templates: prometheus.queries,
      ...(metrics.model === undefined
        ? {}
        : { extraMatchers: [{ label: modelLabel, op: '=' as const, value: metrics.model }] }),
    },
  };
}
