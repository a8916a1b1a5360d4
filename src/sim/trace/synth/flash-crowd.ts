// SPDX-License-Identifier: Apache-2.0
// A flash crowd: the rate jumps to 5x its base within 30 s, holds, then decays back (the shape of
// Jung, Krishnamurthy and Rabinovich, "Flash crowds and denial of service attacks", WWW 2002: a steep
// rise to a multiple of the normal rate and a slower fall). Onset at a third of the trace, so the fleet
// has settled on the base load first.
import { poissonArrivalsMs } from './arrivals.js';
import { show, sizedRequests, type WorkloadFamily } from './family.js';
import { lengthMixes } from './lengths.js';

/** Peak rate over base rate. */
export const flashCrowdMultiple = 5;
/** Seconds from onset to the peak rate. */
export const flashCrowdRiseS = 30;
/** Seconds the peak holds. */
export const flashCrowdHoldS = 180;
/** Time constant of the exponential fall back to the base rate, seconds. */
export const flashCrowdDecayS = 300;

/** Seconds from the trace start to the onset of the crowd. */
export const flashCrowdOnsetS = (durationS: number): number => durationS / 3;

export const flashCrowd: WorkloadFamily = {
  name: 'flash-crowd',
  summary: `flash crowd: x${flashCrowdMultiple} within ${flashCrowdRiseS} s at a third of the trace, then decay`,
  defaults: { durationS: 1800, lengths: 'long-context' },
  durationRangeS: [900, 4 * 3600],
  generate(options, random) {
    const base = options.ratePerS / flashCrowdMultiple;
    const onsetS = flashCrowdOnsetS(options.durationS);
    const holdEndS = onsetS + flashCrowdRiseS + flashCrowdHoldS;
    const rate = (tS: number): number => {
      if (tS < onsetS) return base;
      if (tS < onsetS + flashCrowdRiseS)
        return base + ((options.ratePerS - base) * (tS - onsetS)) / flashCrowdRiseS;
      if (tS < holdEndS) return options.ratePerS;
      return base + (options.ratePerS - base) * Math.exp(-(tS - holdEndS) / flashCrowdDecayS);
    };
    const arrivals = poissonArrivalsMs(rate, options.ratePerS, options.durationS, random);
    const mix = lengthMixes[options.lengths];
    return {
      requests: sizedRequests(arrivals, mix, random),
      description:
        `synthetic flash-crowd (seed ${options.seed}): Poisson at ${show(base)} req/s over ` +
        `${show(options.durationS)} s, at ${show(onsetS)} s rising linearly to ${show(options.ratePerS)} req/s ` +
        `(x${flashCrowdMultiple}) within ${flashCrowdRiseS} s, holding ${flashCrowdHoldS} s, then decaying ` +
        `back with a ${flashCrowdDecayS} s time constant; ${mix.description}`,
    };
  },
};
