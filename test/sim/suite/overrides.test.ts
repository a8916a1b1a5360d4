// SPDX-License-Identifier: Apache-2.0
// A case's overrides from its oracle plan: the GPU budget below the plan's peak, the ratio band around
// its median GPU ratio (the suite's bound cases).
import { describe, expect, it } from 'vitest';
import type { Role } from '../../../src/decision/types.js';
import {
  adjustmentFor,
  medianGpuRatio,
  oracleGpuSeries,
  peakGpus,
} from '../../../src/sim/suite/overrides.js';
import { makeSpec } from '../../helpers/spec.js';

/** A plan whose replicas change every minute: prefill 2, 6, 12, 4 with decode 2, 2, 4, 1. */
const plan = {
  replicasAt: (tS: number): Record<Role, number> => {
    const minute = Math.min(3, Math.floor(tS / 60));
    return { prefill: [2, 6, 12, 4][minute] ?? 0, decode: [2, 2, 4, 1][minute] ?? 0 };
  },
};
const span = { durationS: 239, stepS: 15 };

describe('oracle plan figures', () => {
  it('samples the plan at every fleet step, in GPUs', () => {
    const series = oracleGpuSeries(plan, { prefill: 4, decode: 1 }, span);
    expect(series).toHaveLength(16);
    expect(series[0]).toEqual({ prefill: 8, decode: 2 });
    expect(series[8]).toEqual({ prefill: 48, decode: 4 });
  });

  it('takes the peak of the sum at one time, not the sum of each role’s peak', () => {
    expect(
      peakGpus([
        { prefill: 10, decode: 1 },
        { prefill: 2, decode: 8 },
      ]),
    ).toBe(11);
  });

  it.each([
    [
      'an odd count',
      [
        { prefill: 1, decode: 1 },
        { prefill: 6, decode: 2 },
        { prefill: 8, decode: 1 },
      ],
      3,
    ],
    [
      'an even count',
      [
        { prefill: 2, decode: 1 },
        { prefill: 4, decode: 1 },
      ],
      3,
    ],
    [
      'samples without decode left out',
      [
        { prefill: 5, decode: 0 },
        { prefill: 4, decode: 2 },
      ],
      2,
    ],
    ['no sample with both roles', [{ prefill: 5, decode: 0 }], undefined],
  ])('finds the median ratio of %s', (_name, series, expected) => {
    expect(medianGpuRatio(series)).toBe(expected);
  });
});

describe('adjustmentFor', () => {
  const context = { plan, spec: makeSpec(), ...span };

  it('leaves the policy alone without overrides', () => {
    expect(adjustmentFor(undefined, context)).toBeUndefined();
  });

  it('sets the budget to the floor of the fraction of the peak and says how', () => {
    const adjustment = adjustmentFor({ gpuBudgetOfOraclePeak: 0.85 }, context);
    expect(adjustment?.gpuBudgetMax).toBe(13);
    expect(adjustment?.ratio).toBeUndefined();
    expect(adjustment?.note).toContain('floor(0.85 x 16');
  });

  it('sets a GPU-basis band around the median ratio and says how', () => {
    const adjustment = adjustmentFor({ ratioBandOfOracleMedian: { min: 0.5, max: 1 } }, context);
    expect(adjustment?.ratio).toEqual({ min: 1.5, max: 3, basis: 'gpus' });
    expect(adjustment?.gpuBudgetMax).toBeUndefined();
    expect(adjustment?.note).toContain('[0.5, 1] x 3');
  });
});
