// SPDX-License-Identifier: Apache-2.0
// IsActive, GetMetricSpec and GetMetrics: KEDA's polling calls, answered from the published decision in
// memory. The HPA path gives all of them together ~3 s (docs/reference.md §B.2.3), so
// nothing here waits on I/O.
import { performance } from 'node:perf_hooks';
import { status, type handleUnaryCall } from '@grpc/grpc-js';
import { readMetric } from '../metric-values.js';
import { recordCall, statusOf, type ScalerContext } from './call-outcome.js';
import type {
  ExternalScalerMethod,
  GetMetricSpecResponse,
  GetMetricsRequest,
  GetMetricsResponse,
  IsActiveResponse,
  ScaledObjectRef,
} from './proto.js';
import { invalidArgument } from './scaler-error.js';
import { resolveTrigger } from './trigger.js';
import { toMetricSpec, toMetricValue, valueOrUnavailable } from './wire.js';

interface UnaryMethod<Req, Res> {
  readonly method: ExternalScalerMethod;
  readonly refOf: (request: Req) => ScaledObjectRef | null;
  readonly answer: (request: Req) => Res;
}

function unary<Req, Res>(context: ScalerContext, method: UnaryMethod<Req, Res>): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const startedMs = performance.now();
    const ref = method.refOf(call.request);
    try {
      const response = method.answer(call.request);
      recordCall(context, {
        method: method.method,
        ref,
        startedMs,
        outcome: { code: status.OK, details: '' },
      });
      callback(null, response);
    } catch (error) {
      const outcome = statusOf(error);
      recordCall(context, { method: method.method, ref, startedMs, outcome, error });
      callback(outcome);
    }
  };
}

/** Active when the metric is above the trigger's activationThreshold; missing data is UNAVAILABLE (§2.6, §2.7). */
function isActive(context: ScalerContext, ref: ScaledObjectRef): IsActiveResponse {
  const trigger = resolveTrigger(context.board, ref);
  const value = valueOrUnavailable(readMetric(trigger.entry, trigger.metric, context.nowMs()));
  return { result: value > trigger.activationThreshold };
}

/** Called on every HPA request even with cached metrics (§2.3): parsing and a map lookup only. */
function getMetricSpec(context: ScalerContext, ref: ScaledObjectRef): GetMetricSpecResponse {
  return { metricSpecs: [toMetricSpec(resolveTrigger(context.board, ref))] };
}

/** Exactly one value, under the name KEDA asked for (§2.4: it strips its `sN-` prefix first). */
function getMetrics(context: ScalerContext, request: GetMetricsRequest): GetMetricsResponse {
  const trigger = resolveTrigger(context.board, request.scaledObjectRef);
  if (request.metricName !== trigger.metricName)
    throw invalidArgument(
      `metricName ${JSON.stringify(request.metricName)} is not this trigger's metric: GetMetricSpec returns ${JSON.stringify(trigger.metricName)}`,
    );
  const value = valueOrUnavailable(readMetric(trigger.entry, trigger.metric, context.nowMs()));
  return { metricValues: [toMetricValue(request.metricName, value)] };
}

export interface UnaryHandlers {
  readonly IsActive: handleUnaryCall<ScaledObjectRef, IsActiveResponse>;
  readonly GetMetricSpec: handleUnaryCall<ScaledObjectRef, GetMetricSpecResponse>;
  readonly GetMetrics: handleUnaryCall<GetMetricsRequest, GetMetricsResponse>;
}

export function unaryHandlers(context: ScalerContext): UnaryHandlers {
  const refOf = (ref: ScaledObjectRef): ScaledObjectRef => ref;
  return {
    IsActive: unary(context, { method: 'IsActive', refOf, answer: (ref) => isActive(context, ref) }),
    GetMetricSpec: unary(context, {
      method: 'GetMetricSpec',
      refOf,
      answer: (ref) => getMetricSpec(context, ref),
    }),
    GetMetrics: unary(context, {
      method: 'GetMetrics',
      refOf: (request) => request.scaledObjectRef,
      answer: (request) => getMetrics(context, request),
    }),
  };
}
