// SPDX-License-Identifier: Apache-2.0
// What a scale-down is judged by. The scale-down window holds the largest recommendation of
// its 5 minutes (Kubernetes HPA semantics, hysteresis.ts); taken from each 15 s window's raw need, that
// is the largest noise of twenty windows: a window of Mooncake prompts swings its mean prompt length
// and spread by 2x, and with them prefill's queue and decode's KV-bound batch, which kept 70B decode at
// 9 replicas where 4 served. The need is therefore smoothed first: an exponentially weighted mean and
// variance over irregular tick intervals (West, "Updating mean and variance estimates", CACM 1979, in
// its exponentially weighted form), and a scale-down is judged at the mean plus one standard deviation
// of it. Scale-ups still follow the raw need at once; the SLO feedback loop (slo-burn.ts) catches
// what smoothing hides.
import type { EpochMs, NeedStats } from './types.js';

/** A scale-down is judged at the smoothed need plus this many of its standard deviations. */
export const needSmoothingSigmas = 1;

/**
 * Folds this tick's need into the smoothed mean and variance with time constant `tauS`; 0 turns
 * smoothing off (the raw need, as before it existed).
 */
export function smoothNeed(
  previous: NeedStats | undefined,
  needed: number,
  at: { readonly nowMs: EpochMs; readonly tauS: number },
): NeedStats {
  const { nowMs, tauS } = at;
  if (previous === undefined || tauS <= 0) return { mean: needed, variance: 0, atMs: nowMs };
  if (nowMs <= previous.atMs) return previous;
  const weight = 1 - Math.exp(-(nowMs - previous.atMs) / 1000 / tauS);
  const delta = needed - previous.mean;
  const mean = previous.mean + weight * delta;
  const variance = (1 - weight) * (previous.variance + weight * delta * delta);
  return { mean, variance, atMs: nowMs };
}

/** The need a scale-down is judged by. */
export function scaleDownNeed(stats: NeedStats): number {
  return stats.mean + needSmoothingSigmas * Math.sqrt(stats.variance);
}
