// SPDX-License-Identifier: Apache-2.0
// Knative KPA's panic mode for one role (docs/reference.md §D.4.2): a burst that needs
// `thresholdRatio x` the ready replicas over the short panic window starts panic; every such tick
// refreshes it; it ends once a whole stable window has passed without one. The hysteresis reads the
// assessment to scale up to the panic need at once and never down while panicking. Pure.
import type { DecisionSpec, EpochMs, RecommendationSample, RoleState } from './types.js';

/** When panic began and when a tick last met the threshold (absent when not panicking). */
export type PanicState = NonNullable<RoleState['panic']>;

export interface PanicInput {
  readonly spec: DecisionSpec['panic'];
  readonly nowMs: EpochMs;
  /** The role's recommendations in time order, this tick's last. */
  readonly samples: readonly RecommendationSample[];
  readonly readyReplicas: number;
  readonly previous: PanicState | undefined;
}

export interface PanicAssessment {
  /** The largest `up` over the panic window (KPA's desiredPanicPodCount). */
  readonly panicNeed: number;
  /** The mean `up` over the stable window, rounded up (KPA's desiredStablePodCount). */
  readonly stableNeed: number;
  /** Ready replicas, at least 1 as in KPA (`ready = max(1, readyPods)`). */
  readonly readyReplicas: number;
  /** This tick met the threshold: `panicNeed >= thresholdRatio x readyReplicas`. */
  readonly triggered: boolean;
  /** Panic after this tick, or undefined when the role is not panicking. */
  readonly state: PanicState | undefined;
}

function upWithin(samples: readonly RecommendationSample[], nowMs: EpochMs, windowS: number): number[] {
  const startMs = nowMs - windowS * 1000;
  return samples.filter((s) => s.atMs >= startMs && s.atMs <= nowMs).map((s) => s.up);
}

/** The panic-window and stable-window needs, whether this tick panics, and the panic to remember. */
export function assessPanic(input: PanicInput): PanicAssessment {
  const { spec, nowMs, previous } = input;
  const panicUps = upWithin(input.samples, nowMs, spec.panicWindowS);
  const stableUps = upWithin(input.samples, nowMs, spec.stableWindowS);
  const panicNeed = Math.max(0, ...panicUps);
  const stableMean = stableUps.length === 0 ? 0 : stableUps.reduce((a, b) => a + b, 0) / stableUps.length;
  const stableNeed = Math.max(0, Math.ceil(stableMean - 1e-9));
  const readyReplicas = Math.max(1, input.readyReplicas);
  const triggered = panicNeed >= spec.thresholdRatio * readyReplicas;
  // KPA keeps panicking until `panicTime + stableWindow` is before now.
  const ongoing =
    previous !== undefined && nowMs - previous.lastTriggeredMs <= spec.stableWindowS * 1000
      ? previous
      : undefined;
  const state = triggered ? { sinceMs: ongoing?.sinceMs ?? nowMs, lastTriggeredMs: nowMs } : ongoing;
  return { panicNeed, stableNeed, readyReplicas, triggered, state };
}

/** The figures behind a panicking role's number, for the decision's notes. */
export function panicNote(spec: DecisionSpec['panic'], a: PanicAssessment, nowMs: EpochMs): string {
  const state = a.state;
  if (state === undefined) return '';
  const threshold = `${String(spec.thresholdRatio)} x ${String(a.readyReplicas)} ready`;
  const burst = a.triggered
    ? `panic mode: ${String(a.panicNeed)} replicas needed over the ${String(spec.panicWindowS)} s panic window >= ${threshold}`
    : `panic mode: ${String(a.panicNeed)} replicas needed over the ${String(spec.panicWindowS)} s panic window, below ${threshold}, but the last burst was ${String((nowMs - state.lastTriggeredMs) / 1000)} s ago`;
  const endsInS = (state.lastTriggeredMs + spec.stableWindowS * 1000 - nowMs) / 1000;
  return `${burst}; stable need ${String(a.stableNeed)} over ${String(spec.stableWindowS)} s; panicking for ${String((nowMs - state.sinceMs) / 1000)} s, ends in ${String(endsInS)} s without another burst; no scale-down meanwhile`;
}
