// SPDX-License-Identifier: Apache-2.0
// Demand forecast over the cold-start horizon: EWMA (level only) or Holt's linear trend, both on
// irregular tick intervals (the trend is per second, so a late tick does not distort it).
import type { DecisionSpec, EpochMs, ForecastState } from './types.js';

type ForecastSpec = DecisionSpec['forecast'];

/** Folds one measurement into the smoothed level (and trend, for Holt). */
export function updateForecast(
  spec: ForecastSpec,
  previous: ForecastState | undefined,
  measured: number,
  nowMs: EpochMs,
): ForecastState | undefined {
  if (spec.method === 'none') return undefined;
  if (previous === undefined || nowMs <= previous.atMs) {
    return previous ?? { level: measured, trendPerS: 0, atMs: nowMs };
  }
  const dtS = (nowMs - previous.atMs) / 1000;
  const predicted = previous.level + (spec.method === 'holt' ? previous.trendPerS * dtS : 0);
  const miss = measured - predicted;
  const errorVar = spec.alpha * miss * miss + (1 - spec.alpha) * (previous.errorVar ?? 0);
  if (spec.method === 'ewma') {
    return {
      level: spec.alpha * measured + (1 - spec.alpha) * previous.level,
      trendPerS: 0,
      atMs: nowMs,
      errorVar,
    };
  }
  if (isMiss(spec, previous, miss)) {
    // A jump the smoothing cannot follow (or a cliff): the level restarts from the measurement
    // instead of needing several ticks to catch up. The trend is not taken from the one miss: on
    // bursty traffic (Azure code) a burst's slope x the cold start tripled the fleet.
    return { level: measured, trendPerS: previous.trendPerS, atMs: nowMs, errorVar };
  }
  const level = spec.alpha * measured + (1 - spec.alpha) * predicted;
  const trendPerS = spec.beta * ((level - previous.level) / dtS) + (1 - spec.beta) * previous.trendPerS;
  return { level, trendPerS, atMs: nowMs, errorVar };
}

/**
 * Demand above the forecast by more than `missResetSigmas` standard deviations of the forecast error
 * so far (0 turns the reset off; no error history yet is never a miss). Upwards only: a level reset
 * to a quiet window (Azure code is idle in half its 10 s windows) would forecast the next burst away;
 * scaling down waits for its window anyway.
 */
function isMiss(spec: ForecastSpec, previous: ForecastState, miss: number): boolean {
  const sigma = Math.sqrt(previous.errorVar ?? 0);
  return spec.missResetSigmas > 0 && sigma > 0 && miss > spec.missResetSigmas * sigma;
}

/**
 * Headroom for what the forecast cannot see: `sigmas x` the smoothed one-step forecast error
 * (an EWMA of squared misses). Steady traffic earns little, bursty traffic a lot, so the margin grows
 * with the measured error instead of being a fixed constant (docs/reference.md §G.4).
 */
export function forecastHeadroom(spec: ForecastSpec, state: ForecastState | undefined): number {
  if (state?.errorVar === undefined || spec.headroomSigmas <= 0) return 0;
  return spec.headroomSigmas * Math.sqrt(state.errorVar);
}

/**
 * Demand expected `horizonS` from now, bounded: never negative and never above `maxGrowth x` the
 * level, so one noisy slope cannot order a fleet. E.g. level 100, trend +1/s, horizon 120 s gives 220,
 * capped at 200 with maxGrowth 2.
 */
export function predictDemand(
  spec: ForecastSpec,
  state: ForecastState | undefined,
  horizonS: number,
): number | undefined {
  if (state === undefined) return undefined;
  const extrapolated = state.level + state.trendPerS * horizonS;
  return Math.min(Math.max(0, extrapolated), Math.max(0, state.level) * spec.maxGrowth);
}
