// SPDX-License-Identifier: Apache-2.0
// Burst memory: a level demand reached, left and came back to within the horizon is not
// released; a decline, a single burst and a level seen only once are.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordBurst, recurringBurstLevel } from '../../src/decision/burst-memory.js';
import { decide } from '../../src/decision/decide.js';
import type { BurstBucket, DecisionSpec, DecisionState } from '../../src/decision/types.js';
import { makeObservation, makeSpec, seconds, t0, type LoadShape } from '../helpers/spec.js';

const horizonS = 1800;
const minuteMs = 60_000;

/** The buckets after one `down` recommendation per minute, the first at t0. */
function perMinute(downs: readonly number[]): readonly BurstBucket[] {
  let buckets: readonly BurstBucket[] = [];
  downs.forEach((down, i) => {
    buckets = recordBurst(buckets, down, t0 + i * minuteMs, horizonS);
  });
  return buckets;
}

const repeat = (value: number, minutes: number): number[] => new Array<number>(minutes).fill(value);

describe('the recurring burst level', () => {
  it.each<{ name: string; downs: number[]; level: number }>([
    {
      name: 'is the burst level when a burst came back after a gap of more than one bucket',
      downs: [...repeat(10, 2), ...repeat(1, 12), ...repeat(10, 2), ...repeat(1, 3)],
      level: 10,
    },
    {
      name: 'is the lower of two recurring burst levels',
      downs: [...repeat(12, 2), ...repeat(1, 12), ...repeat(8, 2), ...repeat(1, 3)],
      level: 8,
    },
    {
      name: 'is 0 for a single burst',
      downs: [...repeat(1, 10), ...repeat(10, 2), ...repeat(1, 10)],
      level: 0,
    },
    {
      name: 'is 0 for a decline with noise that never halves and comes back',
      downs: Array.from({ length: 29 }, (_, i) => 20 - i * 0.4 + (i % 2 === 0 ? 1 : -1)),
      level: 0,
    },
    {
      name: 'is 0 when the two bursts are in neighbouring buckets (one burst across a bucket edge)',
      downs: [...repeat(1, 4), ...repeat(10, 2), ...repeat(1, 4)],
      level: 0,
    },
    { name: 'is 0 for steady demand', downs: repeat(6, 30), level: 0 },
  ])('$name', ({ downs, level }) => {
    expect(recurringBurstLevel(perMinute(downs), horizonS)).toBe(level);
  });

  it('forgets bursts older than the horizon', () => {
    const early = [...repeat(10, 2), ...repeat(1, 12), ...repeat(10, 2)];
    const buckets = perMinute([...early, ...repeat(1, 35)]);
    expect(recurringBurstLevel(buckets, horizonS)).toBe(0);
  });

  it('is off with a zero horizon: no buckets are kept', () => {
    expect(recordBurst([], 5, t0, 0)).toEqual([]);
    expect(recurringBurstLevel([{ startMs: t0, max: 5, min: 0 }], 0)).toBe(0);
  });

  it('keeps at most one bucket more than the horizon holds, whatever the ticks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 600_000 }), fc.nat({ max: 50 })), { maxLength: 300 }),
        (steps) => {
          let nowMs = t0;
          let buckets: readonly BurstBucket[] = [];
          for (const [dtMs, down] of steps) {
            nowMs += dtMs;
            buckets = recordBurst(buckets, down, nowMs, horizonS);
          }
          return buckets.length <= 7;
        },
      ),
    );
  });

  it('never exceeds the highest need it saw', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 40 }), { maxLength: 60 }), (downs) => {
        const level = recurringBurstLevel(perMinute(downs), horizonS);
        return level <= Math.max(0, ...downs);
      }),
    );
  });
});

describe('burst memory in decide()', () => {
  const spec: DecisionSpec = makeSpec({
    scaleUp: { windowS: 0, maxStepReplicas: 100, maxStepPercent: 1000 },
    scaleDown: { windowS: 60, maxStepReplicas: 100, maxStepPercent: 100, burstMemoryS: horizonS },
  });

  function run(policy: DecisionSpec, loads: readonly (readonly [number, LoadShape])[]) {
    let state: DecisionState = { roles: {} };
    let last;
    for (const [atS, load] of loads) {
      const result = decide(policy, makeObservation(t0 + seconds(atS), load), state, t0 + seconds(atS));
      state = result.state;
      last = result.decision.roles.prefill;
    }
    return { last, state };
  }

  /** Two bursts to 8 prefill replicas 12 minutes apart, then quiet for 7 minutes. */
  const twoBursts = (): (readonly [number, LoadShape])[] => {
    const loads: (readonly [number, LoadShape])[] = [];
    for (let s = 0; s <= 1860; s += 15) {
      const burst = (s >= 0 && s < 90) || (s >= 810 && s < 900);
      loads.push([s, { prefillLoad: burst ? 8 : 1 }]);
    }
    return loads;
  };

  it('holds the recurring burst level through a quiet gap longer than the scale-down window', () => {
    const { last, state } = run(spec, twoBursts());
    expect(last?.desiredReplicas).toBeGreaterThanOrEqual(8);
    expect(last?.boundBy).toBe('burst-memory');
    expect(state.roles.prefill?.bursts?.length).toBeGreaterThan(0);
  });

  it('releases the fleet in the same gap with the memory off', () => {
    const off = makeSpec({ ...spec, scaleDown: { ...spec.scaleDown, burstMemoryS: 0 } });
    const { last, state } = run(off, twoBursts());
    expect(last?.desiredReplicas).toBeLessThan(8);
    expect(state.roles.prefill?.bursts).toBeUndefined();
  });
});
