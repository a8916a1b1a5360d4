// SPDX-License-Identifier: Apache-2.0
// Holt's forecast restarts on a miss beyond `missResetSigmas` of its own error: quick to correct on a
// ramp that outruns the smoothing (docs/reference.md §G.3-4), unchanged for ordinary noise.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { predictDemand, updateForecast } from '../../src/decision/forecast.js';
import type { DecisionSpec, ForecastState } from '../../src/decision/types.js';

const spec: DecisionSpec['forecast'] = {
  method: 'holt',
  horizonS: { prefill: 120, decode: 120 },
  horizonExplicit: false,
  alpha: 0.5,
  beta: 0.3,
  maxGrowth: 2,
  headroomSigmas: 0.5,
  missResetSigmas: 3,
};
/** Level 100, flat, one-step error sigma 10. */
const steady: ForecastState = { level: 100, trendPerS: 0, atMs: 0, errorVar: 100 };

describe('the forecast on a miss', () => {
  it('restarts the level from the measurement when it misses by more than 3 sigma, keeping the trend', () => {
    const next = updateForecast(spec, { ...steady, trendPerS: 0.1 }, 200, 15_000);
    expect(next?.level).toBe(200);
    expect(next?.trendPerS).toBe(0.1);
    expect(predictDemand(spec, next, 120)).toBeCloseTo(212, 9);
  });

  it('smooths a miss within 3 sigma as before', () => {
    const next = updateForecast(spec, steady, 125, 15_000);
    expect(next?.level).toBeCloseTo(112.5, 9);
  });

  it('never restarts when the reset is off', () => {
    const next = updateForecast({ ...spec, missResetSigmas: 0 }, steady, 200, 15_000);
    expect(next?.level).toBeCloseTo(150, 9);
  });

  it('smooths a drop below the forecast, however deep (a quiet window does not forecast the next burst away)', () => {
    expect(updateForecast(spec, steady, 20, 15_000)?.level).toBeCloseTo(60, 9);
  });

  it('stays within the growth bound whatever the measurements', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (series) => {
          let state: ForecastState | undefined;
          series.forEach((value, i) => {
            state = updateForecast(spec, state, value, i * 15_000);
            const forecast = predictDemand(spec, state, 120) ?? 0;
            expect(forecast).toBeGreaterThanOrEqual(0);
            expect(forecast).toBeLessThanOrEqual(Math.max(0, state?.level ?? 0) * spec.maxGrowth + 1e-6);
          });
        },
      ),
    );
  });
});
