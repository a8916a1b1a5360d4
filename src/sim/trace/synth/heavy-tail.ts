// SPDX-License-Identifier: Apache-2.0
// Heavy-tailed prompts: a steady Poisson load whose prompt lengths have a Pareto tail (tail index
// 1.5, infinite variance) above the body of the chosen length mix. The mean rate says little about
// prefill work when one prompt in ten is many times the median, which is what sizing by mean ISL gets
// wrong.
import { poissonArrivalsMs } from './arrivals.js';
import { show, sizedRequests, type WorkloadFamily } from './family.js';
import { lengthMixes, maxPromptTokens, paretoTailed } from './lengths.js';

/** Share of prompts drawn from the tail. */
export const heavyTailShare = 0.1;
/** Pareto tail index alpha. */
export const heavyTailAlpha = 1.5;
/** Smallest tail prompt, tokens: the tail starts where the conversation body has all but ended. */
export const heavyTailScaleTokens = 8192;

export const heavyTail: WorkloadFamily = {
  name: 'heavy-tail',
  summary: `Pareto-tailed prompts (alpha ${heavyTailAlpha}, ${heavyTailShare * 100}% of requests) at a steady rate`,
  defaults: { durationS: 1200, lengths: 'conversation' },
  durationRangeS: [600, 4 * 3600],
  generate(options, random) {
    const arrivals = poissonArrivalsMs(() => options.ratePerS, options.ratePerS, options.durationS, random);
    const body = lengthMixes[options.lengths];
    const tail = { share: heavyTailShare, scaleTokens: heavyTailScaleTokens, alpha: heavyTailAlpha };
    const mix = { ...body, prompt: paretoTailed(body.prompt, tail, maxPromptTokens) };
    return {
      requests: sizedRequests(arrivals, mix, random),
      description:
        `synthetic heavy-tail (seed ${options.seed}): Poisson at ${show(options.ratePerS)} req/s over ` +
        `${show(options.durationS)} s; ${body.description}, except ${heavyTailShare * 100}% of prompts ` +
        `Pareto(scale ${heavyTailScaleTokens}, alpha ${heavyTailAlpha}) up to ${maxPromptTokens} tokens`,
    };
  },
};
