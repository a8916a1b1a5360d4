// SPDX-License-Identifier: Apache-2.0
// The `route` label of the request-duration histogram: a handful of values, never the raw path, so a
// scan of random paths cannot blow up the metric's cardinality.
import { metricsGroupVersion } from './discovery.js';

export type RouteKind = 'discovery' | 'metric' | 'health' | 'metrics' | 'other';

/** apiserver's AlwaysAllowPaths: probes reach them without credentials (docs/reference.md §B.3.10). */
const healthPaths: readonly string[] = ['/livez', '/readyz', '/healthz'];

const discoveryPaths = new Set(['/apis', '/apis/external.metrics.k8s.io', `/apis/${metricsGroupVersion}`]);
const metricPath = /^\/apis\/external\.metrics\.k8s\.io\/v1beta1\/namespaces\/[^/]+\/[^/]+$/;

export function routeKind(path: string): RouteKind {
  if (healthPaths.includes(path)) return 'health';
  if (path === '/metrics') return 'metrics';
  if (discoveryPaths.has(path)) return 'discovery';
  if (metricPath.test(path)) return 'metric';
  return 'other';
}
