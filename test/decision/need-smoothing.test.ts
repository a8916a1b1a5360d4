// SPDX-License-Identifier: Apache-2.0
// The smoothed need a scale-down is judged by: it follows a level within a few time
// constants, carries the spread of a noisy need as its standard deviation, and is the raw need when off.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import { scaleDownNeed, smoothNeed } from '../../src/decision/need-smoothing.js';
import type { DecisionState, NeedStats } from '../../src/decision/types.js';
import { makeObservation, makeSpec, seconds, t0 } from '../helpers/spec.js';

const tickMs = 15_000;

function smoothed(needs: readonly number[], tauS: number): NeedStats {
  let stats: NeedStats | undefined;
  needs.forEach((need, i) => {
    stats = smoothNeed(stats, need, { nowMs: t0 + i * tickMs, tauS });
  });
  if (stats === undefined) throw new Error('no need given');
  return stats;
}

describe('the smoothed need', () => {
  it('starts at the first need with no spread', () => {
    expect(smoothed([7], 60)).toEqual({ mean: 7, variance: 0, atMs: t0 });
  });

  it('reaches a new level within a few time constants', () => {
    const stats = smoothed([...new Array<number>(4).fill(2), ...new Array<number>(20).fill(10)], 60);
    expect(stats.mean).toBeGreaterThan(9.9);
  });

  it('is judged above the mean of a noisy need by its spread, and below its peaks', () => {
    const noisy = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 3 : 6));
    const stats = smoothed(noisy, 60);
    expect(stats.mean).toBeGreaterThan(4);
    expect(stats.mean).toBeLessThan(5);
    expect(scaleDownNeed(stats)).toBeGreaterThan(5.5);
    expect(scaleDownNeed(stats)).toBeLessThan(6.5);
  });

  it('is the raw need with smoothing off', () => {
    expect(smoothed([2, 9, 4], 0)).toEqual({ mean: 4, variance: 0, atMs: t0 + 2 * tickMs });
  });

  it('ignores a tick that is not newer than the last', () => {
    const first = smoothNeed(undefined, 5, { nowMs: t0, tauS: 60 });
    expect(smoothNeed(first, 50, { nowMs: t0, tauS: 60 })).toBe(first);
  });

  it('stays between the smallest and largest need seen, with a non-negative variance', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 1, maxLength: 100 }),
        (needs) => {
          const stats = smoothed(needs, 60);
          return (
            stats.mean >= Math.min(...needs) - 1e-9 &&
            stats.mean <= Math.max(...needs) + 1e-9 &&
            stats.variance >= 0
          );
        },
      ),
    );
  });
});

describe('a scale-down judged by the smoothed need', () => {
  const spec = makeSpec({
    scaleUp: { windowS: 0, maxStepReplicas: 100, maxStepPercent: 1000 },
    scaleDown: { windowS: 60, maxStepReplicas: 100, maxStepPercent: 100, smoothingS: 60 },
  });

  it('keeps the survivors the smoothed need asks for, not one noisy window', () => {
    let state: DecisionState = { roles: {} };
    let desired = 0;
    // 10 replicas' worth for two minutes, then one quiet window.
    for (let s = 0; s <= 135; s += 15) {
      const load = s < 135 ? 10 : 1;
      const result = decide(
        spec,
        makeObservation(t0 + seconds(s), { prefillLoad: load }),
        state,
        t0 + seconds(s),
      );
      state = result.state;
      desired = result.decision.roles.prefill.desiredReplicas;
    }
    expect(desired).toBeGreaterThanOrEqual(10);
    expect(state.roles.prefill?.need?.mean).toBeGreaterThan(7);
  });
});
