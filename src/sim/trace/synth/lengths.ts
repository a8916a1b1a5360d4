// SPDX-License-Identifier: Apache-2.0
// Prompt and output token counts for synthetic traces: lognormal bodies fitted to the median and mean
// of public LLM serving traces, and a Pareto tail for heavy-tailed prompts. Each named mix imitates one
// public workload, so a synthetic family changes the arrival process (or one stated length property)
// and keeps request sizes like those a real service sees.

/** Draws one token count from a seeded uniform source. */
export type LengthSampler = (random: () => number) => number;

/** Prompt and output token counts drawn together for one request. */
export interface LengthMix {
  readonly prompt: LengthSampler;
  readonly output: LengthSampler;
  /** One line for the trace's record, e.g. "prompts lognormal median 1,469 mean 2,048". */
  readonly description: string;
}

/** Longest prompt drawn: the 128k-token context of Llama 3.1 (and of Mooncake's longest prompts). */
export const maxPromptTokens = 131_072;
/** Longest answer drawn: vLLM's default max_tokens is unlimited, services cap answers near this. */
export const maxOutputTokens = 8_192;

/** A standard normal draw (Box-Muller; the 1 - u keeps the logarithm finite). */
export function standardNormal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const clampTokens = (value: number, max: number): number => Math.min(max, Math.max(1, Math.round(value)));

/**
 * Lognormal with the given median and mean (mean > median): mu = ln(median) and, since the mean is
 * exp(mu + sigma^2 / 2), sigma = sqrt(2 ln(mean / median)). Rounded and clamped to [1, max].
 */
export function lognormalTokens(medianTokens: number, meanTokens: number, max: number): LengthSampler {
  const sigma = Math.sqrt(2 * Math.log(Math.max(meanTokens / medianTokens, 1)));
  const mu = Math.log(medianTokens);
  return (random) => clampTokens(Math.exp(mu + sigma * standardNormal(random)), max);
}

/**
 * A body sampler with a Pareto tail: with probability `tailShare` a draw from Pareto(scale, alpha),
 * P(X > x) = (scale / x)^alpha for x >= scale, by inversion; else a body draw. A tail index alpha
 * below 2 has infinite variance, the regime of prompt lengths in public chat logs (LMSYS-Chat-1M,
 * arXiv 2309.11998, reports a long right tail of prompt lengths).
 */
export function paretoTailed(
  body: LengthSampler,
  tail: { readonly share: number; readonly scaleTokens: number; readonly alpha: number },
  max: number,
): LengthSampler {
  return (random) =>
    random() < tail.share
      ? clampTokens(tail.scaleTokens / Math.pow(1 - random(), 1 / tail.alpha), max)
      : body(random);
}

/**
 * The named mixes. `code` and `conversation` follow the Azure LLM inference traces of 2023
 * (github.com/Azure/AzurePublicDataset, AzureLLMInferenceDataset2023.md; Splitwise, Patel et al.,
 * ISCA 2024, §III): code prompts median 1,469 and mean 2,048 tokens with answers median 13, mean 28
 * (measured on AzureLLMInferenceTrace_code.csv); conversation prompts median 1,020 with answers median
 * 129 as the paper reports them, the means assumed 1.25x the medians. `long-context` follows Mooncake's
 * conversation trace (github.com/kvcache-ai/Mooncake, FAST25-release/traces/conversation_trace.jsonl):
 * prompts median 6,909, mean 12,035; answers median 350, mean 343, a narrow spread that a lognormal
 * (whose mean exceeds its median) can only approach: median 350, sigma 0.25.
 */
export const lengthMixes = {
  code: {
    prompt: lognormalTokens(1469, 2048, maxPromptTokens),
    output: lognormalTokens(13, 28, maxOutputTokens),
    description: 'Azure code lengths (prompts lognormal median 1469 mean 2048, answers median 13 mean 28)',
  },
  conversation: {
    prompt: lognormalTokens(1020, 1275, maxPromptTokens),
    output: lognormalTokens(129, 161, maxOutputTokens),
    description:
      'Azure conversation lengths (prompts lognormal median 1020 mean 1275, answers median 129 mean 161)',
  },
  'long-context': {
    prompt: lognormalTokens(6909, 12035, maxPromptTokens),
    output: lognormalTokens(350, 361, maxOutputTokens),
    description:
      'Mooncake conversation lengths (prompts lognormal median 6909 mean 12035, answers median 350 mean 361)',
  },
} as const satisfies Readonly<Record<string, LengthMix>>;

export type LengthMixName = keyof typeof lengthMixes;
export const lengthMixNames = Object.keys(lengthMixes) as LengthMixName[];
