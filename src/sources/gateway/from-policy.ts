// SPDX-License-Identifier: Apache-2.0
// A compiled policy's `spec.gateway` -> the source that reads it: the endpoint picker pages when the
// policy lists their URLs, else Prometheus (the policy compiler requires one of the two).
import type { MetricsSpec } from '../../policy/metrics.js';
import { EppSource } from './epp-source.js';
import type { GatewaySource } from './gateway-reading.js';
import { PrometheusGatewaySource } from './prometheus-gateway.js';

/** The policy's gateway source, or undefined when it names no gateway. */
export function gatewaySourceFor(metrics: MetricsSpec, nowMs: () => number): GatewaySource | undefined {
  const gateway = metrics.gateway;
  if (gateway === undefined) return undefined;
  const target = { pool: gateway.pool, model: gateway.model };
  if (gateway.endpoints.length > 0)
    return new EppSource({
      target,
      endpoints: gateway.endpoints,
      bearerTokenFile: gateway.bearerTokenFile,
      nowMs,
    });
  const prometheus = metrics.prometheus;
  if (prometheus === undefined) return undefined;
  return new PrometheusGatewaySource({
    client: { baseUrl: prometheus.url, timeoutMs: prometheus.timeoutMs },
    query: { ...target, windowS: prometheus.windowS },
    nowMs,
  });
}
