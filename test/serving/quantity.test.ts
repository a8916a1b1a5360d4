// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatQuantity } from '../../src/serving/quantity.js';

describe('formatQuantity', () => {
  // The canonical forms of docs/reference.md §B.3.5, plus the edges of this encoder.
  it.each([
    [0, '0'],
    [1, '1'],
    [1.5, '1500m'],
    [0.25, '250m'],
    [1500, '1500'],
    [2000, '2k'],
    [3e6, '3M'],
    [0.0001, '100u'],
    [0.3, '300m'],
    [0.1 + 0.2, '300m'],
    [1 / 3, '333333334n'],
    [1e-9, '1n'],
    [1e-12, '1n'],
    [1.5e-7, '150n'],
    [42.125, '42125m'],
    [7e9, '7G'],
    [5e12, '5T'],
    [-1.5, '-1500m'],
    [-0, '0'],
    [1e30, '9223372036854775'],
  ])('formats %d as %s', (value, expected) => {
    expect(formatQuantity(value)).toBe(expected);
  });

  it.each([NaN, Infinity, -Infinity])('refuses %d, which has no Quantity', (value) => {
    expect(() => formatQuantity(value)).toThrow(RangeError);
  });

  it('never loses a whole milli: the HPA reads back at least the value, rounded up to 1m', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), (value) => {
        const text = formatQuantity(value);
        const match = /^(\d+)([numkMGT]?)$/.exec(text);
        expect(match).not.toBeNull();
        const scale = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[match![2]!]!;
        const parsed = Number(match![1]) * scale;
        expect(parsed).toBeGreaterThanOrEqual(value * (1 - 1e-12));
        expect(parsed - value).toBeLessThanOrEqual(Math.max(1e-9, value * 1e-12));
      }),
    );
  });
});
