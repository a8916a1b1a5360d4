// SPDX-License-Identifier: Apache-2.0
// A day with noise: the 24 h diurnal curve (trough 0.25x at 04:00, as the day-shape transform) times
// an independent lognormal factor per minute. Real daily traffic is never the smooth curve (the Azure
// Functions traces of Shahrad et al., "Serverless in the Wild", USENIX ATC 2020, show a daily pattern
// under large short-term variation); minute-to-minute swings of tens of percent are what a forecaster
// must follow at the day's pace without chasing each one.
import { dayCurve, defaultDiurnalCurve, levelAtHour } from '../day-curve.js';
import { poissonArrivalsMs } from './arrivals.js';
import { show, sizedRequests, type WorkloadFamily } from './family.js';
import { lengthMixes, standardNormal } from './lengths.js';

/** Peak over trough of the underlying curve. */
export const diurnalPeakToTrough = 4;
/** Seconds each noise factor holds. */
export const diurnalNoiseStepS = 60;
/** Sigma of the log of the noise factor (mean factor 1). */
export const diurnalNoiseSigma = 0.3;
/** Noise factors are cut here, so the thinning bound holds (a 1-in-10^4 draw at sigma 0.3). */
const maxNoiseFactor = 3;

export const diurnalNoise: WorkloadFamily = {
  name: 'diurnal-noise',
  summary: `a day curve with per-minute lognormal noise (sigma ${diurnalNoiseSigma})`,
  defaults: { durationS: 2400, lengths: 'long-context' },
  durationRangeS: [900, 24 * 3600],
  generate(options, random) {
    const curve = dayCurve(defaultDiurnalCurve, diurnalPeakToTrough);
    const hoursPerS = 24 / options.durationS;
    const steps = Math.ceil(options.durationS / diurnalNoiseStepS);
    const noise = Array.from({ length: steps }, () =>
      Math.min(
        maxNoiseFactor,
        Math.exp(diurnalNoiseSigma * standardNormal(random) - (diurnalNoiseSigma * diurnalNoiseSigma) / 2),
      ),
    );
    const rate = (tS: number): number =>
      options.ratePerS *
      levelAtHour(curve, tS * hoursPerS) *
      (noise[Math.floor(tS / diurnalNoiseStepS)] ?? 1);
    const arrivals = poissonArrivalsMs(rate, options.ratePerS * maxNoiseFactor, options.durationS, random);
    const mix = lengthMixes[options.lengths];
    return {
      requests: sizedRequests(arrivals, mix, random),
      description:
        `synthetic diurnal-noise (seed ${options.seed}): Poisson following the 24 h diurnal curve (trough ` +
        `x${show(1 / diurnalPeakToTrough)} at 04:00, peak ${show(options.ratePerS)} req/s) compressed into ` +
        `${show(options.durationS)} s, times a lognormal factor (sigma ${diurnalNoiseSigma}, mean 1) per ` +
        `${diurnalNoiseStepS} s; ${mix.description}`,
    };
  },
};
