// SPDX-License-Identifier: Apache-2.0
// On/off bursts: a two-state Markov-modulated Poisson process (Fischer and Meier-Hellstern, "The
// Markov-modulated Poisson process (MMPP) cookbook", Performance Evaluation 18(2), 1993), the classic
// model of bursty arrivals; BurstGPT (arXiv 2401.17644) finds LLM service traffic bursty in this way.
// The on state runs at the peak rate, the off state at a quarter of it; sojourns are exponential,
// minutes long, so bursts last about one to two cold starts: too long to ride out on headroom, too short
// to scale for after they start.
import { poissonArrivalsMs } from './arrivals.js';
import { show, sizedRequests, type WorkloadFamily } from './family.js';
import { lengthMixes } from './lengths.js';

/** On rate over off rate. */
export const mmppOnOffRatio = 4;
/** Mean sojourn in the on state, seconds. */
export const mmppMeanOnS = 120;
/** Mean sojourn in the off state, seconds: bursts cover a quarter of the time on average. */
export const mmppMeanOffS = 360;

/** Start times (s) of alternating states, the first (at 0) off, up to `durationS`. */
function switchTimesS(durationS: number, random: () => number): number[] {
  const starts = [0];
  let tS = 0;
  for (let on = false; tS < durationS; on = !on) {
    tS += -Math.log(1 - random()) * (on ? mmppMeanOnS : mmppMeanOffS);
    starts.push(tS);
  }
  return starts;
}

export const mmpp: WorkloadFamily = {
  name: 'mmpp',
  summary: `on/off bursts: 2-state MMPP, on at the peak rate, off at 1/${mmppOnOffRatio} of it`,
  defaults: { durationS: 1800, lengths: 'long-context' },
  durationRangeS: [600, 4 * 3600],
  generate(options, random) {
    const starts = switchTimesS(options.durationS, random);
    const offRate = options.ratePerS / mmppOnOffRatio;
    // Even indexes open an off period, odd ones an on period.
    let index = 0;
    const rate = (tS: number): number => {
      while ((starts[index + 1] ?? Infinity) <= tS) index += 1;
      return index % 2 === 1 ? options.ratePerS : offRate;
    };
    const arrivals = poissonArrivalsMs(rate, options.ratePerS, options.durationS, random);
    const mix = lengthMixes[options.lengths];
    return {
      requests: sizedRequests(arrivals, mix, random),
      description:
        `synthetic mmpp (seed ${options.seed}): 2-state MMPP over ${show(options.durationS)} s, on ` +
        `${show(options.ratePerS)} req/s, off ${show(offRate)} req/s, exponential sojourns mean ` +
        `${mmppMeanOnS} s on / ${mmppMeanOffS} s off, ${starts.length - 1} periods; ${mix.description}`,
    };
  },
};
