// SPDX-License-Identifier: Apache-2.0
// The day curve's level between whole hours, which the synthetic day families sample: the hourly
// levels at whole hours, and the slope of the area under the curve everywhere in between.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayCurve, defaultDiurnalCurve, hourAtArea, levelAtHour } from '../../../src/sim/trace/day-curve.js';

const curve = dayCurve(defaultDiurnalCurve, 4);

describe('levelAtHour', () => {
  it('is the hourly level at every whole hour', () => {
    for (let hour = 0; hour < 24; hour += 1)
      expect(levelAtHour(curve, hour)).toBeCloseTo(curve.levels[hour] ?? NaN, 12);
  });

  it('is the rate at which the area grows: the hour a little more area takes is that area over the level', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: (curve.cumulative[24] ?? 0) * 0.99, noNaN: true }), (area) => {
        const start = hourAtArea(curve, area) ?? NaN;
        const step = 1e-4;
        const later = hourAtArea(curve, area + step * levelAtHour(curve, start)) ?? NaN;
        expect(later - start).toBeCloseTo(step, 6);
      }),
      { numRuns: 50 },
    );
  });

  it('stays between the two hourly levels around it', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 23.999, noNaN: true }), (hour) => {
        const from = curve.levels[Math.floor(hour)] ?? NaN;
        const to = curve.levels[(Math.floor(hour) + 1) % 24] ?? NaN;
        const level = levelAtHour(curve, hour);
        expect(level).toBeGreaterThanOrEqual(Math.min(from, to) - 1e-12);
        expect(level).toBeLessThanOrEqual(Math.max(from, to) + 1e-12);
      }),
    );
  });
});
