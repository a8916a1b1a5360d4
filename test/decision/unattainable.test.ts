// SPDX-License-Identifier: Apache-2.0
// Requests no capacity can serve within the TTFT SLO do not count against capacity: the share of
// prompts whose unloaded prefill exceeds the SLO (from the prompt-length histogram) lowers the TTFT
// quantile judged over all requests, by at most the SLO's own error budget.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import { explicitCapacity } from '../../src/decision/profile-capacity.js';
import type { CapacityModel, CumulativeBucket, Observation } from '../../src/decision/types.js';
import {
  attainableTtftQuantile,
  shareAtOrAbove,
  unattainablePromptTokens,
} from '../../src/decision/unattainable.js';
import { makeObservation, makeSpec, t0 } from '../helpers/spec.js';

/** 10,000 prompt tokens/s per replica with 1 ms per 10 tokens unloaded: 20,000 tokens take 2 s. */
const linear: CapacityModel = {
  ...explicitCapacity({
    prefillTokensPerSecondPerReplica: 10_000,
    decodeMaxBatchPerReplica: 100,
    decodeItlAtMaxBatchMs: 50,
  }),
  prefill: (tokens) => ({ tokensPerSecond: 10_000, unloadedTtftMs: tokens / 10 }),
};

/** 1,000 prompts: 980 up to 10,000 tokens, 10 in (10,000, 50,000], 10 in (50,000, 100,000]. */
const prompts: CumulativeBucket[] = [
  { le: 10_000, count: 980 },
  { le: 50_000, count: 990 },
  { le: 100_000, count: 1000 },
  { le: Infinity, count: 1000 },
];

/** TTFT of 1,000 requests: 970 within 1 s, 15 within 2.5 s, 15 slower. */
const ttft: CumulativeBucket[] = [
  { le: 1000, count: 970 },
  { le: 2500, count: 985 },
  { le: 10_000, count: 1000 },
  { le: Infinity, count: 1000 },
];

describe('unattainablePromptTokens', () => {
  it('finds the shortest prompt whose unloaded TTFT exceeds the SLO', () => {
    expect(unattainablePromptTokens(linear, 2000)).toBe(20_001);
  });

  it('is undefined when the model has no unloaded TTFT or no prompt exceeds the SLO', () => {
    const noTtft = { ...linear, prefill: () => ({ tokensPerSecond: 1, unloadedTtftMs: undefined }) };
    expect(unattainablePromptTokens(noTtft, 2000)).toBeUndefined();
    expect(unattainablePromptTokens(linear, 10_000_000)).toBeUndefined();
  });
});

describe('shareAtOrAbove', () => {
  it.each([
    // 20,000 lies in (10,000, 50,000]: log(2)/log(5) = 43% of that bucket is below it, so 57% of its
    // 10 prompts plus the 10 above 50,000: 15.7 of 1,000.
    { threshold: 20_000, share: (10 * (1 - Math.log(2) / Math.log(5)) + 10) / 1000 },
    { threshold: 50_000, share: 10 / 1000 },
    { threshold: 10_000, share: 20 / 1000 },
    { threshold: 5_000, share: (980 * (1 - Math.log(5000) / Math.log(10_000)) + 20) / 1000 },
  ])('puts $share of the prompts at or above $threshold tokens', ({ threshold, share }) => {
    expect(shareAtOrAbove(prompts, threshold)).toBeCloseTo(share, 9);
  });

  it('counts prompts of unknown length in +Inf as attainable: the share errs low', () => {
    expect(shareAtOrAbove(prompts, 200_000)).toBe(0);
  });

  it('is 0 for an empty window', () => {
    expect(shareAtOrAbove([{ le: Infinity, count: 0 }], 10)).toBe(0);
  });
});

describe('attainableTtftQuantile', () => {
  const input = { capacity: linear, ttftSloMs: 2000, q: 0.99, ttftBuckets: ttft, promptBuckets: prompts };

  it('reads the quantile q x (1 - u) of all requests, u not capped at the error budget 1 - q', () => {
    // u = 1.57%, above the 1% error budget and forgiven in full: judged at 0.99 x (1 - u) of all,
    // rank ~974.4 of 1,000, in (1,000, 2,500] holding ranks 970..985: 1,000 + 1,500 x 4.4 / 15.
    const result = attainableTtftQuantile(input);
    const u = result?.unattainableShare ?? Number.NaN;
    expect(u).toBeCloseTo(0.0157, 3);
    expect(result?.effectiveQuantile).toBeCloseTo(0.99 * (1 - u), 12);
    expect(result?.valueMs).toBeCloseTo(1000 + (1500 * (990 * (1 - u) - 970)) / 15, 6);
  });

  it('forgives exactly the unattainable share when it is within the budget', () => {
    // SLO 5 s: prompts of 50,001+ tokens are unattainable, 1% of them; 0.99 x 0.99 again.
    const result = attainableTtftQuantile({ ...input, ttftSloMs: 5000 });
    expect(result?.unattainableShare).toBeCloseTo(0.01 * (1 - Math.log(50_001 / 50_000) / Math.log(2)), 6);
  });

  it.each([
    ['no TTFT buckets', { ttftBuckets: undefined }],
    ['no prompt buckets', { promptBuckets: undefined }],
    ['no unattainable prompt', { ttftSloMs: 20_000_000 }],
  ])('is undefined with %s, so the caller judges over every request', (_, override) => {
    expect(attainableTtftQuantile({ ...input, ...override })).toBeUndefined();
  });
});

/** TTFT of 1,000 requests: 978 within 1 s, 7 within 2.5 s, 15 slower (the long prompts). */
const breachByTheTail: CumulativeBucket[] = [
  { le: 1000, count: 978 },
  { le: 2500, count: 985 },
  { le: 10_000, count: 1000 },
  { le: Infinity, count: 1000 },
];

describe('the decision with unattainable prompts', () => {
  const spec = makeSpec({ capacity: linear, slo: { quantile: 'p99', ttftMs: 2000, breachFactor: 1 } });
  const observation = (): Observation => {
    const base = makeObservation(t0, { prefillLoad: 1, ready: { prefill: 4, decode: 1 } });
    const prefill = base.roles.prefill;
    return {
      roles: {
        ...base.roles,
        prefill: {
          ...prefill,
          // p99 over all is 2,500 + 7,500 x 5/15 = 5,000 ms (a breach), but 1.6% of prompts cannot make
          // 2 s on any fleet: judged at 0.9801, rank 980.1 reads 1,000 + 1,500 x 2.1/7 = 1,450 ms.
          ttftMs: { value: { buckets: breachByTheTail }, atMs: t0 },
          inputTokensBuckets: { value: prompts, atMs: t0 },
        },
      },
    };
  };

  it('does not call a breach that only unattainable prompts make, and says why', () => {
    const { decision } = decide(spec, observation(), { roles: {} }, t0);
    expect(decision.roles.prefill.boundBy).not.toBe('slo-breach');
    // 0.99 x (1 - 1.6%) of all is rank ~974 of 1,000: inside the 978 within 1 s.
    expect(decision.roles.prefill.inputs.observedLatencyMs).toBeLessThan(1000);
    expect(decision.roles.prefill.inputs.notes.join('\n')).toMatch(
      /TTFT judged over attainable requests: 1\.6% of prompts \(>= 20001 tokens\) miss 2000 ms even on an idle replica/,
    );
  });

  it('judges over every request when the policy says excludeUnattainable: false', () => {
    const strict = makeSpec({
      capacity: linear,
      slo: { quantile: 'p99', ttftMs: 2000, breachFactor: 1, excludeUnattainable: false },
    });
    const { decision } = decide(strict, observation(), { roles: {} }, t0);
    expect(decision.roles.prefill.inputs.observedLatencyMs).toBeCloseTo(5000, 6);
    expect(decision.roles.prefill.boundBy).toBe('slo-breach');
  });
});
