// SPDX-License-Identifier: Apache-2.0
// Pure conversions from a resolved trigger and a metric reading to KEDA's messages. Both the deprecated
// int64 field and the double are filled: KEDA < 2.17 reads only the int, newer KEDA prefers the double
// when it is > 0 (docs/reference.md §B.1, §B.2.5).
import type { MetricReading } from '../metric-values.js';
import type { MetricSpec, MetricValue } from './proto.js';
import { ScalerError } from './scaler-error.js';
import { status } from '@grpc/grpc-js';

/** The trigger's one MetricSpec. A target of 0 fails HPA validation (§2.5), so the int is at least 1. */
export function toMetricSpec(trigger: { readonly metricName: string; readonly target: number }): MetricSpec {
  return {
    metricName: trigger.metricName,
    targetSize: Math.max(1, Math.round(trigger.target)),
    targetSizeFloat: trigger.target,
  };
}

export function sameMetricSpec(a: MetricSpec, b: MetricSpec): boolean {
  return (
    a.metricName === b.metricName && a.targetSize === b.targetSize && a.targetSizeFloat === b.targetSizeFloat
  );
}

/** One value under the requested name: KEDA sums every item it gets (§2.5). */
export function toMetricValue(metricName: string, value: number): MetricValue {
  return { metricName, metricValue: Math.round(value), metricValueFloat: value };
}

/**
 * The reading's value, or UNAVAILABLE with its message: KEDA and the HPA then keep replicas (§2.7).
 * Missing data is never reported as 0 or as inactive, which would let KEDA scale to zero.
 */
export function valueOrUnavailable(reading: MetricReading): number {
  if (!reading.ok) throw new ScalerError(status.UNAVAILABLE, reading.message);
  return reading.value;
}
