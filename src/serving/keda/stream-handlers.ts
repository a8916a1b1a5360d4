// SPDX-License-Identifier: Apache-2.0
// StreamIsActive and StreamMetricSpec: server streams that follow the decision board. Each stream holds
// one board subscription from open until the client cancels or the server closes; KEDA cancels and
// reopens them whenever a ScaledObject changes (docs/reference.md §B.2.8).
import { performance } from 'node:perf_hooks';
import { status, type handleServerStreamingCall } from '@grpc/grpc-js';
import type { BoardListener } from '../../loop/board.js';
import type { Logger } from '../../telemetry/logger.js';
import { activeAtZero, demandAtZero } from './activation.js';
import { callLogger, recordCall, statusOf, type ScalerContext } from './call-outcome.js';
import type { GetMetricSpecResponse, IsActiveResponse, ScaledObjectRef } from './proto.js';
import { findPolicy, resolveTrigger, type ResolvedTrigger } from './trigger.js';
import { sameMetricSpec, toMetricSpec } from './wire.js';

/** The streams a server has open, so closing it can end them (an open stream keeps the process alive). */
export class OpenStreams {
  private readonly enders = new Set<() => void>();

  /** Remembers how to end one stream; returns the function that forgets it. */
  add(end: () => void): () => void {
    this.enders.add(end);
    return () => {
      this.enders.delete(end);
    };
  }

  endAll(): void {
    for (const end of [...this.enders]) end();
  }
}

interface Watch<Res> {
  readonly trigger: ResolvedTrigger;
  readonly ref: ScaledObjectRef;
  readonly send: (message: Res) => void;
  readonly log: Logger;
}

interface StreamMethod<Res> {
  readonly method: 'StreamIsActive' | 'StreamMetricSpec';
  /** Sends what the stream owes on open and returns the listener for later publishes. */
  readonly watch: (watch: Watch<Res>) => BoardListener;
}

/** A listener that logs instead of throwing: the board drops listener errors silently. */
function guarded(listener: BoardListener, log: Logger): BoardListener {
  return (entry, previous) => {
    try {
      listener(entry, previous);
    } catch (error) {
      log.error({ err: error }, 'stream update failed; the stream stays open');
    }
  };
}

function serverStream<Res>(
  context: ScalerContext,
  streams: OpenStreams,
  method: StreamMethod<Res>,
): handleServerStreamingCall<ScaledObjectRef, Res> {
  return (call) => {
    const startedMs = performance.now();
    const ref = call.request;
    let trigger: ResolvedTrigger;
    try {
      trigger = resolveTrigger(context.board, ref);
    } catch (error) {
      const outcome = statusOf(error);
      recordCall(context, { method: method.method, ref, startedMs, outcome, error });
      call.emit('error', outcome);
      return;
    }
    const log = callLogger(context, ref, `${trigger.entry.namespace}/${trigger.entry.name}`);
    const send = (message: Res): void => {
      if (!call.cancelled && call.writable) call.write(message);
    };
    const listener = method.watch({ trigger, ref, send, log });
    const unsubscribe = context.board.subscribe(guarded(listener, log));
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      unsubscribe();
      forget();
      log.debug({ method: method.method }, 'stream closed');
    };
    const forget = streams.add(() => {
      release();
      call.end();
    });
    // 'cancelled' is grpc-js's signal for a client cancel or a dropped connection; 'close' also
    // covers a stream that ended with an error or was ended by close().
    call.on('cancelled', release);
    call.on('close', release);
    // A client that cancelled while the stream was being set up emits nothing more.
    if (call.cancelled) release();
    // A stream's latency is its opening (validation and first send): it then lives for minutes.
    recordCall(context, { method: method.method, ref, startedMs, outcome: { code: status.OK, details: '' } });
    log.debug({ method: method.method, metricName: trigger.metricName }, 'stream opened');
  };
}

/** Pushes `true` when the role is at zero and has demand, on open and on each publish; never `false` (§2.8). */
function watchActivation(context: ScalerContext, watch: Watch<IsActiveResponse>): BoardListener {
  const { trigger, ref, send, log } = watch;
  const push = (why: string): void => {
    send({ result: true });
    log.info({ role: trigger.role, metric: trigger.metric }, `pushed activation to KEDA: ${why}`);
  };
  if (activeAtZero(trigger.entry, trigger, context.nowMs()))
    push(`${trigger.role} is at zero replicas with demand`);
  return (entry, previous) => {
    // Only the policy this trigger names right now; a bare name may come to resolve elsewhere.
    if (context.board.find(trigger.policy, ref.namespace) !== entry) return;
    if (demandAtZero({ entry, previous, trigger, nowMs: context.nowMs() }))
      push(`${trigger.role} was at zero replicas and now has demand`);
  };
}

/**
 * Sends the spec on open, then again only when it changes, so KEDA updates the HPA without polling;
 * GetMetricSpec computes the same function of the board, so it always matches the last one sent (§1).
 */
function watchMetricSpec(context: ScalerContext, watch: Watch<GetMetricSpecResponse>): BoardListener {
  const { trigger, ref, send, log } = watch;
  let last = toMetricSpec(trigger);
  send({ metricSpecs: [last] });
  return () => {
    const next = toMetricSpec(findPolicy(context.board, trigger, ref.namespace));
    if (sameMetricSpec(last, next)) return;
    log.info({ from: last.metricName, to: next.metricName }, 'metric spec changed; streamed to KEDA');
    last = next;
    send({ metricSpecs: [next] });
  };
}

export interface StreamHandlers {
  readonly StreamIsActive: handleServerStreamingCall<ScaledObjectRef, IsActiveResponse>;
  readonly StreamMetricSpec: handleServerStreamingCall<ScaledObjectRef, GetMetricSpecResponse>;
}

export function streamHandlers(context: ScalerContext, streams: OpenStreams): StreamHandlers {
  return {
    StreamIsActive: serverStream(context, streams, {
      method: 'StreamIsActive',
      watch: (watch) => watchActivation(context, watch),
    }),
    StreamMetricSpec: serverStream(context, streams, {
      method: 'StreamMetricSpec',
      watch: (watch) => watchMetricSpec(context, watch),
    }),
  };
}
