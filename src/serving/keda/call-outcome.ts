// SPDX-License-Identifier: Apache-2.0
// How every KEDA scaler call is accounted for: its gRPC status, its latency in
// pdscaler_keda_grpc_request_duration_seconds{method, code} and, when it failed, one log record
// written for its audience (an owner fixing a trigger, a developer chasing a bug).
import { performance } from 'node:perf_hooks';
import { status } from '@grpc/grpc-js';
import type { DecisionBoard } from '../../loop/board.js';
import type { Logger } from '../../telemetry/logger.js';
import type { SelfMetrics } from '../self-metrics.js';
import type { ExternalScalerMethod, ScaledObjectRef } from './proto.js';
import { ScalerError } from './scaler-error.js';

/** What the handlers share: they read the board and the clock, never compute a decision. */
export interface ScalerContext {
  readonly board: DecisionBoard;
  readonly nowMs: () => number;
  /** Bound to `{ component: 'keda' }`. */
  readonly logger: Logger;
  readonly metrics: SelfMetrics | undefined;
}

export interface CallStatus {
  readonly code: status;
  readonly details: string;
}

/** A ScalerError keeps its code and message; anything else is a bug and the client learns no internals. */
export function statusOf(error: unknown): CallStatus {
  if (error instanceof ScalerError) return { code: error.code, details: error.message };
  return { code: status.INTERNAL, details: 'pdscaler failed to answer; see its log' };
}

/** The `{ component: 'keda', policy }` logger for a call; `policy` as the trigger wrote it. */
export function callLogger(context: ScalerContext, ref: ScaledObjectRef | null, policy?: string): Logger {
  return context.logger.child({
    policy: policy ?? ref?.scalerMetadata.policy ?? '',
    scaledObject: `${ref?.namespace ?? ''}/${ref?.name ?? ''}`,
  });
}

export function recordCall(
  context: ScalerContext,
  call: {
    readonly method: ExternalScalerMethod;
    readonly ref: ScaledObjectRef | null;
    readonly startedMs: number;
    readonly outcome: CallStatus;
    readonly error?: unknown;
  },
): void {
  const { method, outcome } = call;
  const seconds = (performance.now() - call.startedMs) / 1000;
  context.metrics?.grpcRequestDuration.observe({ method, code: status[outcome.code] }, seconds);
  if (outcome.code === status.OK) return;
  const log = callLogger(context, call.ref);
  const fields = { method, code: status[outcome.code] };
  if (outcome.code === status.INVALID_ARGUMENT || outcome.code === status.NOT_FOUND)
    log.warn(fields, `${outcome.details}: KEDA cannot scale this ScaledObject until its trigger is fixed`);
  else if (outcome.code === status.UNAVAILABLE)
    // The loop already reports why data is missing; KEDA holds replicas meanwhile (§2.7).
    log.debug(fields, outcome.details);
  else log.error({ ...fields, err: call.error }, `${method} failed`);
}
