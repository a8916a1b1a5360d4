// SPDX-License-Identifier: Apache-2.0
// The workload families: deterministic for a seed, well-formed for any options, and each with the
// property it is named for, measured on the generated arrivals as a user of the trace would see it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { familyNames } from '../../../../src/sim/trace/synth/families.js';
import {
  flashCrowdHoldS,
  flashCrowdOnsetS,
  flashCrowdRiseS,
} from '../../../../src/sim/trace/synth/flash-crowd.js';
import { heavyTailScaleTokens } from '../../../../src/sim/trace/synth/heavy-tail.js';
import { maxOutputTokens, maxPromptTokens } from '../../../../src/sim/trace/synth/lengths.js';
import { synthSpecOf, type SynthTexts } from '../../../../src/sim/trace/synth/spec.js';
import { synthesize } from '../../../../src/sim/trace/synth/synthesize.js';
import type { Trace, TraceRequest } from '../../../../src/sim/trace/types.js';

function trace(family: string, texts: SynthTexts = {}): Trace {
  const parsed = synthSpecOf(family, texts);
  if (!parsed.ok) throw new Error(parsed.message);
  return synthesize(parsed.spec);
}

const inWindow = (t: Trace, fromS: number, toS: number): TraceRequest[] =>
  t.requests.filter((r) => r.arrivalMs >= fromS * 1000 && r.arrivalMs < toS * 1000);
const ratePerS = (t: Trace, fromS: number, toS: number): number =>
  inWindow(t, fromS, toS).length / (toS - fromS);
const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** Arrivals per window of `windowS` seconds over the whole trace. */
function counts(t: Trace, windowS: number, durationS: number): number[] {
  const out = Array.from({ length: Math.floor(durationS / windowS) }, () => 0);
  for (const r of t.requests) {
    const i = Math.floor(r.arrivalMs / 1000 / windowS);
    if (i < out.length) out[i] = (out[i] ?? 0) + 1;
  }
  return out;
}

const seeds = fc.integer({ min: 0, max: 2 ** 32 - 1 });

describe('workload families', () => {
  it.each(familyNames)('%s gives the same trace for the same seed and another for another', (family) => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const texts = { seed: String(seed), rate: '5', duration: '15m' };
        const first = trace(family, texts);
        expect(trace(family, texts)).toEqual(first);
        expect(trace(family, { ...texts, seed: String(seed + 1) }).requests).not.toEqual(first.requests);
      }),
      { numRuns: 5 },
    );
  });

  it.each(familyNames)('%s arrives in order within its duration, with token counts in range', (family) => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 1, max: 40 }), (seed, rate) => {
        const t = trace(family, { seed: String(seed), rate: String(rate), duration: '15m' });
        expect(t.requests.length).toBeGreaterThan(0);
        const tokensInRange = (n: number, max: number): boolean => Number.isInteger(n) && n >= 1 && n <= max;
        const bad = t.requests.filter(
          (r, i) =>
            r.arrivalMs < (t.requests[i - 1]?.arrivalMs ?? 0) ||
            r.arrivalMs >= 900_000 ||
            !tokensInRange(r.inputTokens, maxPromptTokens) ||
            !tokensInRange(r.outputTokens, maxOutputTokens),
        );
        expect(bad).toEqual([]);
        expect(t.transforms.map((x) => x.kind)).toEqual(['synth']);
      }),
      { numRuns: 5 },
    );
  });

  it('names the trace by its canonical source, every option written out', () => {
    expect(trace('fast-day', { seed: '7', rate: '3' }).name).toBe(
      'synth:fast-day?seed=7&rate=3&duration=1080s&lengths=long-context',
    );
  });
});

describe('mmpp', () => {
  const durationS = 4 * 3600;
  const t = trace('mmpp', { seed: '3', rate: '40', duration: '4h' });
  const perHalfMinute = counts(t, 30, durationS);

  it('is overdispersed: the variance of arrivals per minute is several times their mean', () => {
    const perMinute = counts(t, 60, durationS);
    const m = mean(perMinute);
    const variance = mean(perMinute.map((n) => (n - m) ** 2));
    expect(variance / m).toBeGreaterThan(5);
  });

  it('runs its on state at about four times the rate of its off state', () => {
    const sorted = [...perHalfMinute].sort((a, b) => a - b);
    const quantile = (q: number): number => sorted[Math.floor(q * (sorted.length - 1))] ?? 0;
    // Half-minutes wholly inside one state sit at the two modes: the median of the off state and the
    // 90th percentile (on is about a quarter of the time) inside the on state.
    expect(quantile(0.9) / quantile(0.3)).toBeGreaterThan(3.4);
    expect(quantile(0.9) / quantile(0.3)).toBeLessThan(4.6);
    expect(quantile(0.3) / 30).toBeCloseTo(10, -1);
  });
});

describe('flash-crowd', () => {
  it('is at five times its base rate from 30 s after the onset, within 10%', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const t = trace('flash-crowd', { seed: String(seed), rate: '50', duration: '30m' });
        const onsetS = flashCrowdOnsetS(1800);
        const base = ratePerS(t, 0, onsetS);
        const crowd = ratePerS(t, onsetS + flashCrowdRiseS, onsetS + flashCrowdRiseS + flashCrowdHoldS);
        expect(base).toBeCloseTo(10, -0.3);
        expect(crowd / base).toBeGreaterThan(4.5);
        expect(crowd / base).toBeLessThan(5.5);
        // Rising: the 30 s ramp averages about half way.
        expect(ratePerS(t, onsetS, onsetS + flashCrowdRiseS) / base).toBeCloseTo(3, -0.3);
        // And falling back: the last five minutes are within 1.5x the base.
        expect(ratePerS(t, 1500, 1800) / base).toBeLessThan(1.5);
      }),
      { numRuns: 3 },
    );
  });
});

describe('fast-day', () => {
  it.each(['15m', '18m', '20m'])('spans a whole day in %s, 0.3x to 1x and back', (duration) => {
    const t = trace('fast-day', { seed: '5', rate: '100', duration });
    const durationS = t.transforms[0]?.params.durationS as number;
    expect(t.durationS).toBeGreaterThan(durationS - 2);
    expect(t.durationS).toBeLessThanOrEqual(durationS);
    const perMinute = counts(t, 60, durationS);
    const peak = Math.max(...perMinute);
    const trough = Math.min(...perMinute);
    expect(peak / trough).toBeGreaterThan(2.8);
    expect(peak / trough).toBeLessThan(3.6);
    // The trough is at the ends, the peak in the middle.
    expect(perMinute.indexOf(trough) === 0 || perMinute.indexOf(trough) === perMinute.length - 1).toBe(true);
    const peakAt = perMinute.indexOf(peak) / perMinute.length;
    expect(peakAt).toBeGreaterThan(0.3);
    expect(peakAt).toBeLessThan(0.8);
  });

  it.each(['14m', '21m'])('refuses a fast day of %s', (duration) => {
    const parsed = synthSpecOf('fast-day', { duration });
    expect(parsed.ok).toBe(false);
  });
});

describe('diurnal-noise', () => {
  it('swings minute to minute by tens of percent around a smooth day', () => {
    const t = trace('diurnal-noise', { seed: '11', rate: '200', duration: '40m' });
    const perMinute = counts(t, 60, 2400);
    // The day curve moves little from one minute to the next; the noise factor is independent per
    // minute, so the log ratio of neighbours has a spread of about sqrt(2) x 0.3.
    const logRatios = perMinute.slice(1).map((n, i) => Math.log(n / (perMinute[i] ?? n)));
    const m = mean(logRatios);
    const sd = Math.sqrt(mean(logRatios.map((x) => (x - m) ** 2)));
    expect(sd).toBeGreaterThan(0.3);
    expect(sd).toBeLessThan(0.55);
  });
});

describe('heavy-tail', () => {
  it('has a Pareto tail of index about 1.5 (Hill estimator above the tail scale)', () => {
    const t = trace('heavy-tail', { seed: '2', rate: '30' });
    const tail = t.requests.map((r) => r.inputTokens).filter((n) => n >= heavyTailScaleTokens);
    const hill = tail.length / tail.reduce((sum, n) => sum + Math.log(n / heavyTailScaleTokens), 0);
    expect(tail.length / t.requests.length).toBeCloseTo(0.1, 1);
    expect(hill).toBeGreaterThan(1.35);
    expect(hill).toBeLessThan(1.7);
  });
});

describe('prompt-shift', () => {
  it('shifts the mean prompt from ~1.3k to ~12k tokens at half time, the rate unchanged', () => {
    const t = trace('prompt-shift', { seed: '4', rate: '20', duration: '30m' });
    const before = inWindow(t, 0, 900);
    const after = inWindow(t, 900, 1800);
    expect(mean(before.map((r) => r.inputTokens))).toBeGreaterThan(1150);
    expect(mean(before.map((r) => r.inputTokens))).toBeLessThan(1400);
    expect(mean(after.map((r) => r.inputTokens))).toBeGreaterThan(10_800);
    expect(mean(after.map((r) => r.inputTokens))).toBeLessThan(13_200);
    expect(after.length / before.length).toBeCloseTo(1, 1);
  });
});
