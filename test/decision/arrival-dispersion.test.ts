// SPDX-License-Identifier: Apache-2.0
// Arrival dispersion: Poisson arrivals read as 1, on/off bursts above it, a steady ramp adds
// almost nothing, and the queue model needs more replicas for burstier arrivals at the same mean.
import { describe, expect, it } from 'vitest';
import { arrivalScv, maxArrivalScv, updateArrivals } from '../../src/decision/arrival-dispersion.js';
import { replicasForTtftQuantile } from '../../src/decision/prefill-queue.js';
import type { ArrivalStats } from '../../src/decision/types.js';
import { t0 } from '../helpers/spec.js';

const windowS = 15;

/** A deterministic stand-in for Poisson counts: mean m, variance m (alternating m +- sqrt(m)). */
function poissonLike(meanCount: number, windows: number): number[] {
  return Array.from(
    { length: windows },
    (_, i) => meanCount + (i % 2 === 0 ? 1 : -1) * Math.sqrt(meanCount / 2),
  );
}

function folded(rates: readonly number[]): ArrivalStats | undefined {
  let stats: ArrivalStats | undefined;
  rates.forEach((ratePerS, i) => {
    stats = updateArrivals(stats, { ratePerS, windowS }, t0 + i * windowS * 1000);
  });
  return stats;
}

describe('the arrival dispersion', () => {
  it('is 1 for counts as spread as Poisson ones', () => {
    const rates = poissonLike(150, 400).map((count) => count / windowS);
    expect(arrivalScv(folded(rates))).toBeCloseTo(1, 1);
  });

  it('is well above 1 for on/off bursts at the same mean', () => {
    const rates = Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? 40 : 0));
    expect(arrivalScv(folded(rates))).toBeGreaterThan(5);
  });

  it('adds almost nothing for a steady ramp', () => {
    const rates = Array.from({ length: 400 }, (_, i) => 10 + i * 0.05);
    expect(arrivalScv(folded(rates))).toBe(1);
  });

  it('is 1 with nothing known and at most its cap', () => {
    expect(arrivalScv(undefined)).toBe(1);
    const wild = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 1000 : 0));
    expect(arrivalScv(folded(wild))).toBe(maxArrivalScv);
  });

  it('ignores a window that is not newer than the last', () => {
    const first = updateArrivals(undefined, { ratePerS: 5, windowS }, t0);
    expect(updateArrivals(first, { ratePerS: 50, windowS }, t0)).toBe(first);
  });
});

describe('the prefill queue with bursty arrivals', () => {
  it('needs more replicas for the same mean rate when arrivals are burstier', () => {
    const load = { arrivalsPerS: 40, classes: [{ share: 1, serviceMs: 100 }], ttftSloMs: 500 };
    const poisson = replicasForTtftQuantile(load, 0.99);
    const bursty = replicasForTtftQuantile({ ...load, arrivalScv: 6 }, 0.99);
    expect(bursty).toBeGreaterThan(poisson);
  });
});
