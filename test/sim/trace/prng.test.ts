// SPDX-License-Identifier: Apache-2.0
// mulberry32: the seeded generator behind every randomized trace transform.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/sim/trace/prng.js';

const draws = (seed: number, count: number): number[] => {
  const next = mulberry32(seed);
  return Array.from({ length: count }, () => next());
};

describe('mulberry32', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    expect(draws(1, 100)).toEqual(draws(1, 100));
    expect(draws(2, 100)).not.toEqual(draws(1, 100));
  });

  it('draws from [0, 1) with a mean near 1/2', () => {
    const values = draws(7, 10_000);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(values.reduce((a, b) => a + b, 0) / values.length).toBeCloseTo(0.5, 1);
  });
});
