// SPDX-License-Identifier: Apache-2.0
// Thinning a long history for a chart keeps each bucket's peak, gaps and the newest point.
import { describe, expect, it } from 'vitest';
import { downsamplePeaks } from '../../../src/serving/status/downsample.js';

describe('downsamplePeaks', () => {
  it('returns a series that already fits unchanged', () => {
    const xs = [0, 1, 2];
    const ys = [5, 6, 7];
    expect(downsamplePeaks(xs, ys, 3)).toEqual({ xs, ys });
  });

  it('keeps the peak of each bucket at its first x, and closes at the last x', () => {
    const xs = [0, 1, 2, 3, 4, 5, 6, 7];
    const ys = [1, 9, 2, 2, 3, 1, 4, 8];
    expect(downsamplePeaks(xs, ys, 4)).toEqual({ xs: [0, 2, 4, 6, 7], ys: [9, 2, 3, 8, 8] });
  });

  it('leaves a gap (NaN) where a whole bucket is unknown, and ignores unknowns beside known values', () => {
    const xs = [0, 1, 2, 3, 4, 5];
    const ys = [Number.NaN, 4, Number.NaN, Number.NaN, 7, 6];
    const { ys: out } = downsamplePeaks(xs, ys, 3);
    expect(out).toEqual([4, Number.NaN, 7, 7]);
  });
});
