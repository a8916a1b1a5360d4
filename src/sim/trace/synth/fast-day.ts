// SPDX-License-Identifier: Apache-2.0
// A fast day: the 24 h diurnal curve of the day-shape transform compressed into 15-20 minutes, from
// the trough (0.3x the peak) up to the peak and back. It asks for the whole range of a day's scaling in
// a few cold starts, as a service sees when a region fails over or a launch goes live and ends.
import { dayCurve, defaultDiurnalCurve, levelAtHour } from '../day-curve.js';
import { poissonArrivalsMs } from './arrivals.js';
import { show, sizedRequests, type WorkloadFamily } from './family.js';
import { lengthMixes } from './lengths.js';

/** Rate at the trough over rate at the peak. */
export const fastDayTroughShare = 0.3;

export const fastDay: WorkloadFamily = {
  name: 'fast-day',
  summary: `a day curve (${fastDayTroughShare}x -> 1x -> ${fastDayTroughShare}x) compressed into 15-20 minutes`,
  defaults: { durationS: 1080, lengths: 'long-context' },
  durationRangeS: [900, 1200],
  generate(options, random) {
    const curve = dayCurve(defaultDiurnalCurve, 1 / fastDayTroughShare, 0);
    const hoursPerS = 24 / options.durationS;
    const rate = (tS: number): number => options.ratePerS * levelAtHour(curve, tS * hoursPerS);
    const arrivals = poissonArrivalsMs(rate, options.ratePerS, options.durationS, random);
    const mix = lengthMixes[options.lengths];
    return {
      requests: sizedRequests(arrivals, mix, random),
      description:
        `synthetic fast-day (seed ${options.seed}): Poisson following the 24 h diurnal curve from its ` +
        `trough (${show(fastDayTroughShare * options.ratePerS)} req/s) to its peak (${show(options.ratePerS)} req/s) ` +
        `and back, compressed into ${show(options.durationS)} s; ${mix.description}`,
    };
  },
};
