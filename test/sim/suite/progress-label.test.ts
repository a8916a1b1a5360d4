// SPDX-License-Identifier: Apache-2.0
// The suite's progress bar: cases done plus the running ones' fractions, and a label naming them.
import { describe, expect, it } from 'vitest';
import { suiteFraction, suiteLabel } from '../../../src/sim/suite/progress-label.js';

describe('suite progress', () => {
  it.each([
    [{ done: 0, total: 4, running: [] }, 0, '0/4 cases'],
    [
      {
        done: 1,
        total: 4,
        running: [
          { id: 'a', fraction: 0.5 },
          { id: 'b', fraction: 0.25 },
        ],
      },
      0.4375,
      '1/4 cases; a 50%, b 25%',
    ],
    [{ done: 4, total: 4, running: [] }, 1, '4/4 cases'],
  ])('shows %j as %f, %j', (progress, fraction, label) => {
    expect(suiteFraction(progress)).toBeCloseTo(fraction, 9);
    expect(suiteLabel(progress)).toBe(label);
  });
});
