// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { histogramQuantile } from '../../src/decision/histogram-quantile.js';

const b = (...pairs: [number, number][]) => pairs.map(([le, count]) => ({ le, count }));

describe('histogramQuantile follows PromQL histogram_quantile', () => {
  it.each([
    // 10 observations <= 100 ms, 10 more <= 200 ms: p50 sits exactly at the first bound.
    {
      name: 'interpolates inside the bucket holding the rank',
      q: 0.75,
      buckets: b([100, 10], [200, 20], [Infinity, 20]),
      want: 150,
    },
    {
      name: 'interpolates the lowest bucket from zero',
      q: 0.5,
      buckets: b([100, 10], [Infinity, 10]),
      want: 50,
    },
    {
      name: 'returns the highest finite bound when the rank is in +Inf',
      q: 0.99,
      buckets: b([100, 10], [200, 20], [Infinity, 100]),
      want: 200,
    },
    {
      name: 'returns the bound itself for a non-positive lowest bound',
      q: 0.1,
      buckets: b([0, 5], [10, 10], [Infinity, 10]),
      want: 0,
    },
    {
      name: 'sorts buckets given out of order',
      q: 0.75,
      buckets: b([Infinity, 20], [200, 20], [100, 10]),
      want: 150,
    },
    {
      name: 'carries the running maximum over non-monotone counts',
      q: 0.5,
      buckets: b([100, 10], [200, 8], [Infinity, 10]),
      want: 50,
    },
    { name: 'is -Inf below q=0', q: -0.1, buckets: b([100, 10], [Infinity, 10]), want: -Infinity },
    { name: 'is +Inf above q=1', q: 1.1, buckets: b([100, 10], [Infinity, 10]), want: Infinity },
  ])('$name', ({ q, buckets, want }) => {
    expect(histogramQuantile(q, buckets)).toBeCloseTo(want, 9);
  });

  it.each([
    { name: 'no +Inf bucket', buckets: b([100, 10], [200, 20]) },
    { name: 'a single bucket', buckets: b([Infinity, 10]) },
    { name: 'no observations', buckets: b([100, 0], [Infinity, 0]) },
  ])('is unknown (PromQL NaN) with $name', ({ buckets }) => {
    expect(histogramQuantile(0.9, buckets)).toBeUndefined();
  });

  it('matches a hand computation on a vLLM-style TTFT histogram', () => {
    // vLLM TTFT buckets in ms; 1,000 requests. p90 rank 900 lies in (250, 500] holding 880..960:
    // 250 + 250 x (900 - 880) / 80 = 312.5 ms.
    const buckets = b([50, 100], [100, 400], [250, 880], [500, 960], [1000, 990], [Infinity, 1000]);
    expect(histogramQuantile(0.9, buckets)).toBeCloseTo(312.5, 9);
  });
});
