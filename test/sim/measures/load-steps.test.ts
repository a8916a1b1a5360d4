// SPDX-License-Identifier: Apache-2.0
// Load steps: minutes whose arrival rate rose by more than 30% over the minute before.
import { describe, expect, it } from 'vitest';
import { findLoadSteps } from '../../../src/sim/measures/load-steps.js';

/** `perMinute[i]` arrivals spread evenly over minute i, ms since the trace start. */
function arrivals(perMinute: readonly number[]): number[] {
  return perMinute.flatMap((n, minute) =>
    Array.from({ length: n }, (_, k) => minute * 60_000 + (k * 60_000) / n),
  );
}

describe('findLoadSteps', () => {
  it.each([
    { name: 'a rise of exactly 30% is not a step', perMinute: [100, 130], steps: [] as number[] },
    { name: 'a rise above 30% is a step at the start of its minute', perMinute: [100, 131], steps: [60] },
    { name: 'a fall is never a step', perMinute: [200, 50, 50], steps: [] },
    { name: 'a rise from an idle minute is a step', perMinute: [0, 5], steps: [60] },
    { name: 'idle after idle is not', perMinute: [0, 0, 0], steps: [] },
    {
      name: 'each minute is compared with the one before it',
      perMinute: [10, 14, 19, 19, 40],
      steps: [60, 120, 240],
    },
  ])('$name', ({ perMinute, steps }) => {
    const found = findLoadSteps(arrivals(perMinute), perMinute.length * 60);
    expect(found.map((s) => s.atS)).toEqual(steps);
  });

  it('reports the rates before and after in requests per second', () => {
    expect(findLoadSteps(arrivals([60, 120]), 120)).toEqual([{ atS: 60, fromPerS: 1, toPerS: 2 }]);
  });

  it('ignores the last partial minute, whose rate is not comparable', () => {
    // 90 s: the second bin would be half a minute with 60 arrivals, a false 2x step.
    const times = [...arrivals([60]), ...Array.from({ length: 60 }, (_, k) => 60_000 + k * 500)];
    expect(findLoadSteps(times, 90)).toEqual([]);
  });

  it('takes a bin width and threshold', () => {
    const found = findLoadSteps(arrivals([10, 12]), 120, { binS: 120, threshold: 0.1 });
    expect(found).toEqual([]);
    expect(findLoadSteps(arrivals([10, 12]), 120, { threshold: 0.1 }).map((s) => s.atS)).toEqual([60]);
  });
});
