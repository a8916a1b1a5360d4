// SPDX-License-Identifier: Apache-2.0
// ratioDeviation: time-weighted mean distance of the Ready P/D ratio from the band, 0 inside.
import { describe, expect, it } from 'vitest';
import { ratioDeviation, type RatioBand } from '../../../src/sim/measures/ratio-deviation.js';

const band: RatioBand = { min: 0.5, max: 2, basis: 'replicas' };
const oneGpu = { prefill: 1, decode: 1 };

function series(prefill: number[], decode: number[]) {
  return { tS: prefill.map((_, i) => i * 15), ready: { prefill, decode } };
}

describe('ratioDeviation', () => {
  it.each([
    { name: 'inside the band is 0', prefill: [2, 4], decode: [2, 4], expected: 0 },
    { name: 'the band edges are inside', prefill: [1, 4], decode: [2, 2], expected: 0 },
    // 4/1 = 4 is 2 above max 2; 1/4 = 0.25 is 0.25 below min 0.5; mean of (2, 0.25) = 1.125.
    {
      name: 'outside counts the distance to the nearer edge',
      prefill: [4, 1],
      decode: [1, 4],
      expected: 1.125,
    },
    // Samples: 1 (inside) three times, then 3 (1 above) once: mean 0.25.
    {
      name: 'time-weighted: each sample counts for its interval',
      prefill: [1, 1, 1, 3],
      decode: [1, 1, 1, 1],
      expected: 0.25,
    },
    {
      name: 'a sample with no Ready replica in a role has no ratio and is left out',
      prefill: [0, 6],
      decode: [3, 2],
      expected: 1,
    },
  ])('$name', ({ prefill, decode, expected }) => {
    expect(ratioDeviation(series(prefill, decode), band, oneGpu, Infinity)).toBeCloseTo(expected, 10);
  });

  it('is 0 without a band: every ratio is inside an unbounded band', () => {
    expect(ratioDeviation(series([9], [1]), undefined, oneGpu, Infinity)).toBe(0);
  });

  it('measures a GPU band in GPUs: 2 TP4 prefill per 2 TP8 decode is 0.5, not 1', () => {
    const gpus: RatioBand = { min: 0.8, max: 1.2, basis: 'gpus' };
    expect(ratioDeviation(series([2], [2]), gpus, { prefill: 4, decode: 8 }, Infinity)).toBeCloseTo(0.3, 10);
    expect(
      ratioDeviation(series([2], [2]), { ...gpus, basis: 'replicas' }, { prefill: 4, decode: 8 }, Infinity),
    ).toBe(0);
  });

  it('stops at the trace end: the drain afterwards is not load', () => {
    // Samples at 0, 15, 30 s; only the first two are within 20 s.
    expect(ratioDeviation(series([1, 1, 9], [1, 1, 1]), band, oneGpu, 20)).toBe(0);
  });
});
