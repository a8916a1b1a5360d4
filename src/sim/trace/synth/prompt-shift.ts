// SPDX-License-Identifier: Apache-2.0
// A prompt-length shift: a steady Poisson load whose prompts jump from the chosen mix (conversation by
// default, mean ~1.3k tokens) to Mooncake's long-context mix (mean ~12k) at half time, the request rate
// unchanged: a new feature (document upload, agents) multiplies prefill work while a request-rate
// signal sees nothing.
import { poissonArrivalsMs } from './arrivals.js';
import { show, sizedRequests, type WorkloadFamily } from './family.js';
import { lengthMixes } from './lengths.js';

/** Seconds from the trace start to the shift. */
export const promptShiftAtS = (durationS: number): number => durationS / 2;

export const promptShift: WorkloadFamily = {
  name: 'prompt-shift',
  summary: 'prompt lengths shift mid-trace from ~1.3k to ~12k tokens mean at a steady rate',
  defaults: { durationS: 1800, lengths: 'conversation' },
  durationRangeS: [600, 4 * 3600],
  generate(options, random) {
    const arrivals = poissonArrivalsMs(() => options.ratePerS, options.ratePerS, options.durationS, random);
    const shiftMs = promptShiftAtS(options.durationS) * 1000;
    const before = lengthMixes[options.lengths];
    const after = lengthMixes['long-context'];
    const requests = [
      ...sizedRequests(
        arrivals.filter((t) => t < shiftMs),
        before,
        random,
      ),
      ...sizedRequests(
        arrivals.filter((t) => t >= shiftMs),
        after,
        random,
      ),
    ];
    return {
      requests,
      description:
        `synthetic prompt-shift (seed ${options.seed}): Poisson at ${show(options.ratePerS)} req/s over ` +
        `${show(options.durationS)} s; ${before.description} until ${show(shiftMs / 1000)} s, then ` +
        after.description,
    };
  },
};
