// SPDX-License-Identifier: Apache-2.0
// A binding GPU budget without collapse: an overloaded role keeps its GPUs, a split that
// lowers neither role is kept unless another is clearly better, and the chosen split never expects
// less than pro rata's.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateBySloShare,
  splitSwitchMargin,
  type SloShareCurve,
} from '../../src/decision/budget-sharing.js';
import { applyJointLimits, type JointConstraints, type Pair } from '../../src/decision/joint-limits.js';
import { ttftSloShare } from '../../src/decision/prefill-queue.js';
import { decide } from '../../src/decision/decide.js';
import type { BoundRule, DecisionState, RoleState } from '../../src/decision/types.js';
import { makeObservation, makeSpec, t0 } from '../helpers/spec.js';

const numRuns = Number(process.env.PROPERTY_RUNS ?? 300);
const boundRule = (): BoundRule => 'gpu-budget';

/** Prefill as the queueing model sees it: 30 erlangs of 1 s prompts against a 2 s TTFT SLO. */
const overloadedPrefill: SloShareCurve = (replicas) =>
  ttftSloShare({ arrivalsPerS: 30, classes: [{ share: 1, serviceMs: 1000 }], ttftSloMs: 2000 }, replicas);
const linear =
  (k: number): SloShareCurve =>
  (n) =>
    Math.min(1, n / k);

function budgetOf(
  max: number,
  curves: Readonly<Record<'prefill' | 'decode', SloShareCurve>>,
): JointConstraints {
  return {
    bounds: { prefill: { lo: 1, hi: 256 }, decode: { lo: 1, hi: 256 } },
    ratio: undefined,
    gpuBudget: { min: undefined, max, sharing: 'marginal-slo' },
    gpus: { prefill: 1, decode: 1 },
    sloShare: curves,
  };
}

describe('a budget below an overloaded need', () => {
  it('keeps prefill GPUs while every count is overloaded, instead of giving them all back', () => {
    // Need 34 prefill and 5 decode in a 30-GPU budget: no prefill count in reach is stable.
    const result = applyJointLimits(
      budgetOf(30, { prefill: overloadedPrefill, decode: linear(5) }),
      { prefill: 34, decode: 5 },
      boundRule,
    );
    expect(result.pair.prefill + result.pair.decode).toBe(30);
    expect(result.pair.prefill).toBeGreaterThanOrEqual(24);
  });

  it('expects more of an overloaded role the more replicas it has', () => {
    for (let replicas = 1; replicas < 30; replicas++)
      expect(overloadedPrefill(replicas + 1)).toBeGreaterThan(overloadedPrefill(replicas));
  });
});

describe('a split that lowers neither role', () => {
  // Both shares rise slowly: 20/10 expects 0.96, 21/9 0.958, 28/2 0.92.
  const curves = {
    prefill: (n: number) => Math.min(1, 0.8 + n * 0.008),
    decode: (n: number) => Math.min(1, 0.9 + n * 0.01),
  };
  const feasible = function* (max: number) {
    for (let prefill = 1; prefill < max; prefill++) yield { prefill, decode: { lo: 1, hi: max - prefill } };
  };
  const allocate = (current: Pair | undefined) =>
    allocateBySloShare({
      feasible: feasible(30),
      need: { prefill: 25, decode: 10 },
      curves,
      gpus: { prefill: 1, decode: 1 },
      budgetMaxGpus: 30,
      proRata: { prefill: 21, decode: 9 },
      current,
    });

  it('is kept when the best split expects less than the switch margin more', () => {
    const free = allocate(undefined);
    const kept = allocate({ prefill: 21, decode: 9 });
    expect(free.bothShare - kept.bothShare).toBeLessThanOrEqual(splitSwitchMargin);
    expect(kept.pair.prefill).toBeGreaterThanOrEqual(21);
    expect(kept.pair.decode).toBeGreaterThanOrEqual(9);
  });

  it('is left for a split expecting more than the margin more', () => {
    // At 28/2 decode is short: moving GPUs to it gains 4 points, more than the margin.
    const moved = allocate({ prefill: 28, decode: 2 });
    expect(moved.pair.decode).toBeGreaterThan(2);
  });
});

describe('the split under a binding budget', () => {
  const curveArb = fc
    .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 30 })
    .map((steps): SloShareCurve => {
      const values = [0];
      for (const step of steps) values.push(Math.min(1, (values[values.length - 1] ?? 0) + step / 10));
      return (n) => values[Math.min(Math.max(0, n), values.length - 1)] ?? 0;
    });

  it("never expects a lower both-SLO share than pro rata's, whatever the current split", () => {
    fc.assert(
      fc.property(
        fc.record({
          max: fc.integer({ min: 2, max: 60 }),
          need: fc.record({
            prefill: fc.integer({ min: 1, max: 50 }),
            decode: fc.integer({ min: 1, max: 50 }),
          }),
          current: fc.record({
            prefill: fc.integer({ min: 1, max: 50 }),
            decode: fc.integer({ min: 1, max: 50 }),
          }),
          curves: fc.record({ prefill: curveArb, decode: curveArb }),
        }),
        ({ max, need, current, curves }) => {
          const c = { ...budgetOf(max, curves), current };
          const withCurrent = applyJointLimits(c, need, boundRule);
          const proRata = applyJointLimits(
            { ...c, gpuBudget: { ...c.gpuBudget, sharing: 'proportional' } },
            need,
            boundRule,
          );
          const share = (p: Pair) =>
            curves.prefill(Math.min(p.prefill, need.prefill)) *
            curves.decode(Math.min(p.decode, need.decode));
          expect(share(withCurrent.pair)).toBeGreaterThanOrEqual(share(proRata.pair) - 1e-12);
          expect(withCurrent.pair.prefill + withCurrent.pair.decode).toBeLessThanOrEqual(max);
        },
      ),
      { numRuns },
    );
  });
});

describe('decide() under a binding budget', () => {
  const spec = makeSpec({
    gpuBudget: { min: undefined, max: 18, sharing: 'marginal-slo' },
    scaleDown: { windowS: 300, maxStepReplicas: 100, maxStepPercent: 100 },
  });
  const roleState = (desiredReplicas: number, lastScaleUpAtMs: number | undefined): RoleState => ({
    desiredReplicas,
    lastScaleUpAtMs,
    lastScaleDownAtMs: undefined,
    samples: [],
    forecast: undefined,
    correction: { factor: 1, atMs: t0 },
  });
  // Prefill now wants 12 and decode 10 replicas' worth: 22 GPUs against a budget of 18.
  const load = makeObservation(t0, { prefillLoad: 12, decodeLoad: 10 });

  it('does not take replicas from a role raised within its scale-down window', () => {
    const state: DecisionState = {
      roles: { prefill: roleState(8, undefined), decode: roleState(10, t0 - 60_000) },
    };
    const d = decide(spec, load, state, t0).decision;
    expect(d.roles.decode.desiredReplicas).toBe(10);
    expect(d.roles.prefill.desiredReplicas).toBe(8);
  });

  it('takes them once that window has passed', () => {
    const state: DecisionState = {
      roles: { prefill: roleState(8, undefined), decode: roleState(10, t0 - 400_000) },
    };
    const d = decide(spec, load, state, t0).decision;
    expect(d.roles.prefill.desiredReplicas).toBeGreaterThan(8);
    expect(d.gpus).toBeLessThanOrEqual(18);
  });

  it('still keeps the budget when the raised roles alone exceed it', () => {
    const state: DecisionState = {
      roles: { prefill: roleState(12, t0 - 60_000), decode: roleState(12, t0 - 60_000) },
    };
    expect(decide(spec, load, state, t0).decision.gpus).toBeLessThanOrEqual(18);
  });
});
