// SPDX-License-Identifier: Apache-2.0
// Arrival times of a non-homogeneous Poisson process with a given rate function, by thinning (Lewis
// and Shedler, "Simulation of nonhomogeneous Poisson processes by thinning", Naval Research Logistics
// Quarterly 26(3), 1979): candidates at the maximum rate, each kept with probability rate(t) / max.

/** Request rate (req/s) at time t (s since the trace start). */
export type RateAtS = (tS: number) => number;

/**
 * Arrival times in ms, ascending, in [0, durationS). `maxRatePerS` must bound `rate` over the whole
 * span (a higher rate would be cut to it); every draw comes from `random`, so a seed fixes the result.
 */
export function poissonArrivalsMs(
  rate: RateAtS,
  maxRatePerS: number,
  durationS: number,
  random: () => number,
): number[] {
  const arrivals: number[] = [];
  let tS = 0;
  for (;;) {
    tS += -Math.log(1 - random()) / maxRatePerS;
    if (tS >= durationS) return arrivals;
    if (random() * maxRatePerS < rate(tS)) arrivals.push(tS * 1000);
  }
}
