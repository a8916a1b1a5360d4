// SPDX-License-Identifier: Apache-2.0
// The SLO feedback loop: the share of requests meeting the SLO read from histogram buckets,
// the error-budget burn rate, and a headroom that converges without oscillating: bounded, with
// anti-windup, decaying back when comfortably above the target.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import {
  burnRateOf,
  shareWithin,
  updateBurnRate,
  type BurnRateSpec,
  type WindowShare,
} from '../../src/decision/slo-burn.js';
import type { BurnRateState, CumulativeBucket, DecisionState } from '../../src/decision/types.js';
import { makeObservation, makeSpec, seconds, t0 } from '../helpers/spec.js';

const spec: BurnRateSpec = {
  enabled: true,
  windowS: 300,
  maxHeadroom: 1.5,
  raisePerMinute: 0.1,
  halfLifeS: 600,
  minRequests: 100,
};

const buckets = (...pairs: [number, number][]): CumulativeBucket[] =>
  pairs.map(([le, count]) => ({ le, count }));

describe('the share of a window within the SLO', () => {
  it.each<{ name: string; b: CumulativeBucket[]; sloMs: number; share: WindowShare | undefined }>([
    {
      name: 'counts a bucket bound at the SLO in full',
      b: buckets([50, 90], [100, 100], [Infinity, 100]),
      sloMs: 50,
      share: { total: 100, good: 90 },
    },
    {
      name: 'interpolates linearly inside the bucket holding the SLO, as histogram_quantile does',
      b: buckets([1000, 60], [2500, 90], [Infinity, 100]),
      sloMs: 2000,
      share: { total: 100, good: 80 },
    },
    {
      name: 'counts the requests beyond the last finite bound as missing it',
      b: buckets([1000, 60], [Infinity, 100]),
      sloMs: 2000,
      share: { total: 100, good: 60 },
    },
    {
      name: 'is unknown without observations',
      b: buckets([1000, 0], [Infinity, 0]),
      sloMs: 500,
      share: undefined,
    },
    { name: 'is unknown without a +Inf bucket', b: buckets([1000, 5]), sloMs: 500, share: undefined },
  ])('$name', ({ b, sloMs, share }) => {
    expect(shareWithin(b, sloMs)).toEqual(share);
  });

  it('is the error budget spent over the budget: 2% bad at p99 burns at 2x, 0.5% at 0.5x', () => {
    expect(burnRateOf({ total: 1000, good: 980 }, 'p99')).toBeCloseTo(2, 9);
    expect(burnRateOf({ total: 1000, good: 995 }, 'p99')).toBeCloseTo(0.5, 9);
    expect(burnRateOf({ total: 0, good: 0 }, 'p99')).toBe(0);
  });
});

/** Runs the loop for `ticks` 15 s ticks on a window share, from `state`. */
function run(
  share: WindowShare,
  ticks: number,
  options: { state?: BurnRateState; canRaise?: boolean; startMs?: number } = {},
): { state: BurnRateState; burn: number | undefined } {
  let state = options.state;
  let burn: number | undefined;
  let nowMs = options.startMs ?? t0;
  for (let i = 0; i < ticks; i++) {
    nowMs += 15_000;
    const step = updateBurnRate({
      spec,
      quantile: 'p99',
      previous: state,
      window: share,
      canRaise: options.canRaise ?? true,
      nowMs,
    });
    state = step.state;
    burn = step.burnRate;
  }
  if (state === undefined) throw new Error('no tick ran');
  return { state, burn };
}

describe('the headroom', () => {
  it('grows while the SLO burns faster than the budget, and stops at maxHeadroom', () => {
    const burning = { total: 100, good: 95 }; // 5% bad at p99: burn 5x
    const oneMinute = run(burning, 4);
    expect(oneMinute.burn).toBeCloseTo(5, 6);
    expect(oneMinute.state.headroom).toBeGreaterThan(1.2);
    expect(run(burning, 200).state.headroom).toBe(spec.maxHeadroom);
  });

  it('does not grow while replicas are starting or the role is at its maximum (anti-windup)', () => {
    expect(run({ total: 100, good: 95 }, 40, { canRaise: false }).state.headroom).toBe(1);
  });

  it('waits for enough requests before the burn rate counts', () => {
    const quiet = run({ total: 1, good: 0 }, 4); // 4 requests weighted in the window, all bad
    expect(quiet.burn).toBeUndefined();
    expect(quiet.state.headroom).toBe(1);
  });

  it('decays back with its half-life once comfortably within the SLO', () => {
    const start: BurnRateState = { total: 10_000, good: 10_000, headroom: 1.4, atMs: t0 };
    const after = run({ total: 100, good: 100 }, 40, { state: start }); // 10 minutes, one half-life
    expect(after.state.headroom).toBeCloseTo(1.2, 6);
  });

  it('holds between a comfortable burn and the budget, so it settles instead of oscillating', () => {
    const start: BurnRateState = { total: 10_000, good: 9_920, headroom: 1.3, atMs: t0 };
    expect(run({ total: 100, good: 99.2 }, 40, { state: start }).state.headroom).toBeCloseTo(1.3, 9);
  });

  it('does not grow on the long window alone once the last window meets the SLO', () => {
    // The rolling window still remembers misses from before a scale-up; the new window has none.
    const start: BurnRateState = { total: 10_000, good: 9_500, headroom: 1.1, atMs: t0 };
    expect(run({ total: 100, good: 100 }, 1, { state: start }).state.headroom).toBeCloseTo(1.1, 9);
  });

  it('stays within [1, maxHeadroom] whatever the windows', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            total: fc.double({ min: 0, max: 1e5, noNaN: true }),
            goodShare: fc.double({ min: 0, max: 1, noNaN: true }),
            dtMs: fc.integer({ min: 0, max: 3_600_000 }),
            canRaise: fc.boolean(),
          }),
          { maxLength: 80 },
        ),
        (ticks) => {
          let state: BurnRateState | undefined;
          let nowMs = t0;
          for (const t of ticks) {
            nowMs += t.dtMs;
            state = updateBurnRate({
              spec,
              quantile: 'p99',
              previous: state,
              window: { total: t.total, good: t.total * t.goodShare },
              canRaise: t.canRaise,
              nowMs,
            }).state;
            if (state.headroom < 1 || state.headroom > spec.maxHeadroom) return false;
          }
          return true;
        },
      ),
    );
  });
});

describe('the SLO feedback loop in decide()', () => {
  const policy = makeSpec({ burnRate: { ...spec, minRequests: 10 } });

  it('adds demand headroom for a role missing its SLO, says so, and keeps it in the state', () => {
    let state: DecisionState = { roles: {} };
    let decision;
    for (let s = 0; s <= 300; s += 15) {
      const nowMs = t0 + seconds(s);
      // 40 requests a window, half of them over the 500 ms TTFT SLO: burn 5x at p90.
      const observation = makeObservation(nowMs, { prefillLoad: 4, ttftMs: 800 });
      const ttftMs = {
        value: { quantilesMs: { p90: 800 }, buckets: buckets([250, 20], [1000, 20], [Infinity, 40]) },
        atMs: nowMs,
      };
      const slow = { roles: { ...observation.roles, prefill: { ...observation.roles.prefill, ttftMs } } };
      const result = decide(policy, slow, state, nowMs);
      state = result.state;
      decision = result.decision;
    }
    const prefill = decision?.roles.prefill;
    expect(prefill?.inputs.sloHeadroom).toBeGreaterThan(1);
    expect(prefill?.inputs.burnRate).toBeGreaterThan(1);
    expect(prefill?.inputs.notes.some((n) => n.startsWith('SLO feedback: error-budget burn rate'))).toBe(
      true,
    );
    expect(state.roles.prefill?.burnRate?.headroom).toBe(prefill?.inputs.sloHeadroom);
  });

  it('adds nothing and keeps no state when the policy turns it off', () => {
    const off = makeSpec({ burnRate: { ...spec, enabled: false } });
    const result = decide(off, makeObservation(t0, { prefillLoad: 4, ttftMs: 800 }), { roles: {} }, t0);
    expect(result.decision.roles.prefill.inputs.sloHeadroom).toBe(1);
    expect(result.state.roles.prefill?.burnRate).toBeUndefined();
  });
});
