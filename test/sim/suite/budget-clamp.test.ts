// SPDX-License-Identifier: Apache-2.0
// The GPU budget a full cluster imposes on systems that do not know one (the suite's budget-bound case):
// a pair over the budget is scaled down in proportion to fit, never above it, never above the ask.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Role } from '../../../src/decision/types.js';
import { BudgetClamped, clampPairToBudget } from '../../../src/sim/suite/budget-clamp.js';
import type { ScalingInput, SimAutoscaler } from '../../../src/sim/systems/types.js';

const oneGpu = { prefill: 1, decode: 1 };

const tp = (prefill: number, decode: number) => ({ prefill, decode });

describe('clampPairToBudget', () => {
  it.each([
    { name: 'a pair within the budget', asked: tp(6, 4), budget: 10, gpus: oneGpu, runs: tp(6, 4) },
    {
      name: 'a pair over the budget, in proportion',
      asked: tp(30, 10),
      budget: 20,
      gpus: oneGpu,
      runs: tp(15, 5),
    },
    {
      name: 'rounding down, then the free GPU to the role furthest below its share',
      asked: tp(10, 1),
      budget: 4,
      gpus: oneGpu,
      runs: tp(3, 1),
    },
    {
      name: 'a role kept at one replica when the budget holds one of each',
      asked: tp(100, 2),
      budget: 3,
      gpus: oneGpu,
      runs: tp(2, 1),
    },
    {
      name: 'TP4 prefill: freed GPUs go to what still fits',
      asked: tp(10, 4),
      budget: 21,
      gpus: tp(4, 1),
      runs: tp(4, 4),
    },
    {
      name: 'a kept decode replica paid for by prefill',
      asked: tp(10, 1),
      budget: 7,
      gpus: tp(1, 4),
      runs: tp(3, 1),
    },
    {
      name: 'a budget below one of each: what fits',
      asked: tp(2, 2),
      budget: 3,
      gpus: tp(4, 1),
      runs: tp(0, 2),
    },
  ])('fits $name', ({ asked, budget, gpus, runs }) => {
    expect(clampPairToBudget(asked, { budgetGpus: budget, gpusPerReplica: gpus })).toEqual(runs);
  });

  it('never exceeds the budget nor what was asked, and changes nothing that fits', () => {
    fc.assert(
      fc.property(
        fc.record({ prefill: fc.integer({ min: 0, max: 300 }), decode: fc.integer({ min: 0, max: 300 }) }),
        fc.record({ prefill: fc.integer({ min: 1, max: 8 }), decode: fc.integer({ min: 1, max: 8 }) }),
        fc.integer({ min: 0, max: 500 }),
        (pair, gpus, budgetGpus) => {
          const fitted = clampPairToBudget(pair, { budgetGpus, gpusPerReplica: gpus });
          const used = fitted.prefill * gpus.prefill + fitted.decode * gpus.decode;
          expect(used).toBeLessThanOrEqual(budgetGpus);
          expect(fitted.prefill).toBeLessThanOrEqual(pair.prefill);
          expect(fitted.decode).toBeLessThanOrEqual(pair.decode);
          if (pair.prefill * gpus.prefill + pair.decode * gpus.decode <= budgetGpus)
            expect(fitted).toEqual(pair);
        },
      ),
    );
  });
});

describe('BudgetClamped', () => {
  const asking = (pair: Readonly<Record<Role, number>>): SimAutoscaler => ({
    name: 'hpa-queue',
    intervalS: 15,
    readsMetrics: false,
    tick: () => pair,
  });
  const input = {} as ScalingInput;

  it('passes every request of the system through the clamp', () => {
    const system = new BudgetClamped(asking({ prefill: 40, decode: 20 }), {
      budgetGpus: 30,
      gpusPerReplica: oneGpu,
    });
    expect(system.tick(input)).toEqual({ prefill: 20, decode: 10 });
  });

  it('keeps the system’s name and cadence, so results and ticks are the system’s own', () => {
    const system = new BudgetClamped(asking({ prefill: 1, decode: 1 }), {
      budgetGpus: 30,
      gpusPerReplica: oneGpu,
    });
    expect([system.name, system.intervalS, system.readsMetrics, system.readsRouter]).toEqual([
      'hpa-queue',
      15,
      false,
      false,
    ]);
  });
});
