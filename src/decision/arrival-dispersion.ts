// SPDX-License-Identifier: Apache-2.0
// Arrival dispersion at the metrics window's time scale. The prefill queue model
// (prefill-queue.ts) assumed Poisson arrivals; bursty traffic (on/off, flash crowds, the Azure code
// trace) queues far longer at the same mean rate. The index of dispersion of counts, Var(N_T)/E(N_T)
// for the requests N_T in a window of length T, is 1 for Poisson arrivals and tends to the arrival
// process's squared coefficient of variation ca^2 for a renewal process (Cox and Lewis, "The
// Statistical Analysis of Series of Events", 1966, ch. 4), which is what the Allen-Cunneen/Kingman
// approximation of the queue takes (prefill-queue.ts). It is estimated from consecutive windows'
// rates by the Allan variance, half the mean squared difference of consecutive rates: a slow ramp or
// a day curve moves consecutive windows together and adds almost nothing, bursts do.
import type { ArrivalStats, EpochMs } from './types.js';

/** Time constant of the estimate: ten minutes, so a burst pattern is remembered over several bursts. */
export const dispersionTauS = 600;

/** The squared coefficient of variation the queue model takes at most: beyond it, read as a backlog. */
export const maxArrivalScv = 10;

/** Folds one window's request rate (requests/s over `windowS` seconds) into the estimate. */
export function updateArrivals(
  previous: ArrivalStats | undefined,
  window: { readonly ratePerS: number; readonly windowS: number },
  nowMs: EpochMs,
): ArrivalStats {
  const { ratePerS, windowS } = window;
  if (previous === undefined)
    return { meanPerS: ratePerS, allanVar: 0, lastRatePerS: ratePerS, windowS, atMs: nowMs };
  if (nowMs <= previous.atMs) return previous;
  const weight = 1 - Math.exp(-(nowMs - previous.atMs) / 1000 / dispersionTauS);
  const step = ratePerS - previous.lastRatePerS;
  return {
    meanPerS: previous.meanPerS + weight * (ratePerS - previous.meanPerS),
    allanVar: previous.allanVar + weight * ((step * step) / 2 - previous.allanVar),
    lastRatePerS: ratePerS,
    windowS: previous.windowS + weight * (windowS - previous.windowS),
    atMs: nowMs,
  };
}

/**
 * The arrival process's squared coefficient of variation, from 1 (Poisson, or not enough known) to
 * `maxArrivalScv`. For Poisson arrivals at rate r the rate over T has variance r / T, so the index of
 * dispersion is allanVar x T / mean.
 */
export function arrivalScv(stats: ArrivalStats | undefined): number {
  if (stats === undefined || !(stats.meanPerS > 0) || !(stats.windowS > 0)) return 1;
  const dispersion = (stats.allanVar * stats.windowS) / stats.meanPerS;
  return Math.min(maxArrivalScv, Math.max(1, dispersion));
}
