// SPDX-License-Identifier: Apache-2.0
// The metric name a KEDA trigger gets from GetMetricSpec. KEDA applies no sanitization to external
// scaler names and the HPA rejects names that are not valid path segments, or that repeat within one
// ScaledObject (docs/reference.md §B.2.4), so the name must be valid and unique per
// policy and metric (a metric belongs to one role) by construction.
import { createHash } from 'node:crypto';
import type { ServedMetric } from '../metric-values.js';

/** §2.4's recommended shape: lower-case alphanumerics inside, `-` and `_` allowed in the middle. */
export const kedaMetricNamePattern = /^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$/;

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * `pdscaler_<namespace>_<policy>_<metric>`, e.g. `pdscaler_serving_chat_prefill-desired-replicas`
 * (the HPA shows it as `s0-pdscaler_serving_chat_prefill-desired-replicas`).
 *
 * Namespaces and policy names are DNS labels (no `_`), so `_` separates the three parts unambiguously
 * and no two policy/metric pairs share a name. §2.4 sets no length limit (the HPA checks only
 * IsValidPathSegmentName), so nothing is truncated: at most 9 + 63 + 1 + 63 + 1 + 27 = 164 characters.
 * A part that is not a DNS label (not from a validated policy) is rewritten to one and the name gets a
 * hash of the exact parts, so it stays valid and unique.
 */
export function kedaMetricName(namespace: string, policy: string, metric: ServedMetric): string {
  if (dnsLabel.test(namespace) && dnsLabel.test(policy)) return `pdscaler_${namespace}_${policy}_${metric}`;
  const hash = createHash('sha256').update(`${namespace}/${policy}/${metric}`).digest('hex').slice(0, 8);
  return `pdscaler_${asLabel(namespace)}_${asLabel(policy)}-${hash}_${metric}`;
}

/** Lower-case, every other character to `-`, no `-` at the ends (may be empty). */
function asLabel(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
