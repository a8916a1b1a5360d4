// SPDX-License-Identifier: Apache-2.0
// DistServe's fitted coefficients as ProfileData (src/policy/distserve-profile.ts): the grid evaluates
// time_estimator.py's formulas (LLMServe/DistServe@82831f16), switches to the large-batch triple at the
// threshold, keeps decode batches inside the KV pool, and refuses bad input by place.
import { describe, expect, it } from 'vitest';
import {
  distServeProfile,
  parseMaxNumTokensCsv,
  type DistServeCoefficients,
} from '../../src/policy/distserve-profile.js';

const coefficients: DistServeCoefficients = {
  decoding_large_small_bs_threshold: 95,
  prefill: [10, 0.1, 1e-5],
  decoding_smallbs: [20, 0.001, 0.05],
  decoding_largebs: [5, 0.001, 0.2],
};
const selector = { model: 'facebook/opt-13b', tensorParallel: 2 };
const built = distServeProfile('p', selector, coefficients, { maxKvTokens: 100_000, maxContextTokens: 2048 });
const profile = built.ok ? built.profile : undefined;

describe('a DistServe profile', () => {
  it('has prefill TTFT a + b·L + c·L² and throughput L / TTFT / TP at each prompt length up to the context', () => {
    const p = profile?.prefill;
    expect(p?.inputTokens.at(-1)).toBe(2048);
    p?.inputTokens.forEach((l, i) => {
      expect(p.ttftMs[i]).toBeCloseTo(10 + 0.1 * l + 1e-5 * l * l, 9);
      expect(p.tokensPerSecondPerGpu[i]).toBeCloseTo(l / ((p.ttftMs[i] ?? 0) / 1000) / 2, 6);
    });
  });

  it('has decode ITL a + b·batch·context + c·batch, with the large-batch triple from the threshold up', () => {
    const d = profile?.decode;
    d?.itlMs.forEach((itl, i) => {
      const context = d.contextTokens[i] ?? 0;
      const batch = ((d.kvUsage[i] ?? 0) * d.maxKvTokens) / context;
      const [a, b, c] = batch < 95 ? coefficients.decoding_smallbs : coefficients.decoding_largebs;
      expect(itl).toBeCloseTo(a + b * batch * context + c * batch, 6);
    });
    expect(
      d?.contextTokens.some(
        (ctx, i) => ctx === 128 && Math.round(((d.kvUsage[i] ?? 0) * 100_000) / ctx) === 96,
      ),
    ).toBe(true);
  });

  it('keeps every decode point inside the KV pool and ends a level at exactly full', () => {
    const d = profile?.decode;
    expect(Math.max(...(d?.kvUsage ?? [2]))).toBeCloseTo(1, 9);
    expect((d?.kvUsage ?? []).every((u) => u <= 1 + 1e-12)).toBe(true);
  });

  it('refuses coefficients that give a non-positive time, by key path', () => {
    const bad = { ...coefficients, prefill: [-100, 0.01, 0] as [number, number, number] };
    expect(distServeProfile('p', selector, bad, { maxKvTokens: 100_000, maxContextTokens: 2048 })).toEqual({
      ok: false,
      message: 'facebook/opt-13b.2.prefill: gives a non-positive time at 32 tokens',
    });
  });
});

describe('max_num_tokens.csv', () => {
  it('reads (model, tp, pp) rows', () => {
    expect(parseMaxNumTokensCsv('model,tp,pp,max_num_tokens\nm,2,1,500\n')).toEqual({
      ok: true,
      rows: [{ model: 'm', tp: 2, pp: 1, maxNumTokens: 500 }],
    });
  });

  it.each([
    { text: 'model,tp\n', message: '1:1: header must be model,tp,pp,max_num_tokens, got "model,tp"' },
    { text: 'model,tp,pp,max_num_tokens\nm,2,1\n', message: '2:1: 3 fields, expected 4' },
    { text: 'model,tp,pp,max_num_tokens\nopt,2,x,5\n', message: '2:7: pp "x" is not a positive integer' },
    { text: 'model,tp,pp,max_num_tokens\n', message: '2:1: no rows after the header' },
  ])('refuses $text by LINE:COL', ({ text, message }) => {
    expect(parseMaxNumTokensCsv(text)).toEqual({ ok: false, message });
  });
});
