// SPDX-License-Identifier: Apache-2.0
// The heteroscale baseline rule by rule (docs/reference.md §F.1.4): the proportional law on decode
// tokens/s split by the fixed ratio, hysteresis, separate cooldowns, damping, the stepped latency
// safety net, unknown metrics and bounds.
import { describe, expect, it } from 'vitest';
import { explicitCapacity, profileCapacity } from '../../../src/decision/profile-capacity.js';
import type { Role, RoleObservation } from '../../../src/decision/types.js';
import { chooseHeteroScaleRatio } from '../../../src/sim/systems/heteroscale-ratio.js';
import {
  HeteroScale,
  heteroScaleDefaults,
  stepUpReplicas,
  type HeteroScaleOptions,
} from '../../../src/sim/systems/heteroscale.js';
import type { RoleExtras } from '../../../src/sources/engines/aggregate.js';
import type { RoleMetrics, ScalingInput } from '../../../src/sim/systems/types.js';
import { h200Data } from '../helpers.js';

const t0 = Date.UTC(2026, 0, 5, 12, 0, 0);

/**
 * The hand-computed case of heteroscale-ratio.test.ts: prefill 5 req/s (M/D/1 at rho 0.5 within a TTFT
 * SLO of 100 + 50 ln 5 ms), decode 10 req/s (batch 100 at 50 ms over OSL 200), so the ratio is 2:1 and
 * tau = 0.8 × 10 req/s × 200 tokens = 1,600 decode tokens/s per replica.
 */
const base: HeteroScaleOptions = {
  capacity: explicitCapacity({
    prefillTokensPerSecondPerReplica: 10_000,
    decodeMaxBatchPerReplica: 100,
    decodeItlAtMaxBatchMs: 50,
  }),
  gpus: { prefill: 1, decode: 1 },
  slo: { ttftMs: 100 + 50 * Math.log(5), tpotMs: 50, quantile: 'p90' },
  workload: { meanInputTokens: 1000, meanOutputTokens: 200 },
  bounds: { prefill: { minReplicas: 1, maxReplicas: 1000 }, decode: { minReplicas: 1, maxReplicas: 1000 } },
};
const tau = 1600;

/** What the decode and prefill engines report: T_D and the latencies at p50/p90. */
interface Reading {
  /** Decode tokens/s as a multiple of tau (the N_D the law wants before ceil); absent = unknown. */
  readonly load?: number;
  readonly tokensPerS?: number;
  readonly tpotP90Ms?: number;
  readonly ttftP90Ms?: number;
}

function metrics(reading: Reading): Record<Role, RoleMetrics> {
  const at = <T>(value: T) => ({ value, atMs: t0 });
  const tokensPerS = reading.tokensPerS ?? (reading.load === undefined ? undefined : reading.load * tau);
  const decodeExtras: RoleExtras = tokensPerS === undefined ? {} : { generationTokensPerS: at(tokensPerS) };
  const decode: RoleObservation =
    reading.tpotP90Ms === undefined
      ? {}
      : { tpotMs: at({ quantilesMs: { p50: 20, p90: reading.tpotP90Ms } }) };
  const prefill: RoleObservation =
    reading.ttftP90Ms === undefined
      ? {}
      : { ttftMs: at({ quantilesMs: { p50: 50, p90: reading.ttftP90Ms } }) };
  return {
    prefill: { observation: prefill, extras: {} },
    decode: { observation: decode, extras: decodeExtras },
  };
}

interface Tick extends Reading {
  readonly atS?: number;
  /** `spec.replicas` of both roles, [prefill, decode]. */
  readonly fleet: readonly [number, number];
}

function input(tick: Tick): ScalingInput {
  const view = (replicas: number) => ({ desired: replicas, ready: replicas, starting: 0, draining: 0 });
  return {
    nowMs: t0 + (tick.atS ?? 0) * 1000,
    fleet: { prefill: view(tick.fleet[0]), decode: view(tick.fleet[1]) },
    metrics: metrics(tick),
  };
}

/** One evaluation of a fresh instance. */
function once(tick: Tick, options: Partial<HeteroScaleOptions> = {}) {
  return new HeteroScale({ ...base, ...options }).tick(input(tick));
}

const replicas = (prefill: number, decode: number) => ({ prefill, decode });

describe('HeteroScale setup', () => {
  it('runs the stress-test ratio and sizes tau from it, on a 15 s interval by default', () => {
    const system = new HeteroScale(base);
    expect(system).toMatchObject({ name: 'heteroscale', readsMetrics: true, intervalS: 15 });
    expect(system.ratio).toEqual(
      chooseHeteroScaleRatio({ ...base, meanInputTokens: 1000, meanOutputTokens: 200 }),
    );
    expect(system.ratio).toMatchObject({ prefill: 2, decode: 1 });
    expect(system.targetTokensPerSPerReplica).toBeCloseTo(tau, 9);
  });

  it('takes the interval and target utilization from the constants', () => {
    const system = new HeteroScale({ ...base, constants: { intervalS: 60, targetUtilization: 0.5 } });
    expect(system.intervalS).toBe(60);
    expect(system.targetTokensPerSPerReplica).toBeCloseTo(1000, 9);
  });

  it('uses the re-implementers\u2019 dead bands and cooldowns and the paper\u2019s 10% / 20% steps by default', () => {
    expect(heteroScaleDefaults).toEqual({
      intervalS: 15,
      targetUtilization: 0.8,
      scaleOutThreshold: 0.1,
      scaleInThreshold: 0.1,
      scaleOutCooldownS: 180,
      scaleInCooldownS: 600,
      damping: 1,
      moderateBreachFactor: 1,
      moderateStep: 0.1,
      severeBreachFactor: 1.2,
      severeStep: 0.2,
      ttftGuard: false,
    });
  });
});

describe('HeteroScale proportional law', () => {
  it.each([
    {
      fleet: [8, 4] as const,
      load: 6.5,
      want: replicas(14, 7),
      why: 'N_D* = ceil(10,400 / 1,600) = 7, N_P* = 14',
    },
    { fleet: [20, 10] as const, load: 2, want: replicas(4, 2), why: 'N_D* = 3,200 / 1,600 = 2, N_P* = 4' },
    { fleet: [3, 4] as const, load: 5, want: replicas(10, 5), why: 'an off-ratio prefill is reset to 2 × 5' },
  ])('sets N_D* = ceil(T_D / tau) and N_P* = ceil(ratio × N_D*): $why', ({ fleet, load, want }) => {
    expect(once({ fleet, load })).toEqual(want);
  });

  it('rounds the prefill share up on the H200 profile\u2019s 5:3 ratio', () => {
    const system = new HeteroScale({
      ...base,
      capacity: profileCapacity(h200Data, { prefill: 1, decode: 1 }, undefined),
      slo: { ttftMs: 2000, tpotMs: 50, quantile: 'p90' },
      workload: { meanInputTokens: 8000, meanOutputTokens: 350 },
    });
    expect(system.ratio).toMatchObject({ prefill: 5, decode: 3 });
    // tau = 0.8 × 9.33 req/s × 350 tokens = 2,612 tokens/s; 3.5 tau -> N_D* = 4, N_P* = ceil(6.67) = 7.
    expect(system.targetTokensPerSPerReplica).toBeCloseTo(2612.5, 0);
    const tokensPerS = 3.5 * system.targetTokensPerSPerReplica;
    expect(system.tick(input({ fleet: [3, 2], tokensPerS }))).toEqual(replicas(7, 4));
  });

  it.each([
    { fleet: [20, 10] as const, load: 15, want: replicas(30, 15), direction: 'out' },
    { fleet: [20, 10] as const, load: 5, want: replicas(10, 5), direction: 'in' },
  ])('moves both roles in the same tick when scaling $direction', ({ fleet, load, want }) => {
    expect(once({ fleet, load })).toEqual(want);
  });
});

describe('HeteroScale hysteresis', () => {
  it.each([
    { load: 109, want: replicas(200, 100), why: 'a 9% rise holds' },
    { load: 110, want: replicas(200, 100), why: 'exactly 10% is not more than the threshold' },
    { load: 111, want: replicas(222, 111), why: 'an 11% rise scales out' },
    { load: 91, want: replicas(200, 100), why: 'a 9% fall holds' },
    { load: 90, want: replicas(200, 100), why: 'exactly 10% is not more than the threshold' },
    { load: 89, want: replicas(178, 89), why: 'an 11% fall scales in' },
  ])('acts only outside the 10% dead band around N_D = 100: $why', ({ load, want }) => {
    expect(once({ fleet: [200, 100], load })).toEqual(want);
  });
});

describe('HeteroScale cooldowns', () => {
  it('blocks a second scale-out 170 s after the first and allows it at 180 s', () => {
    const system = new HeteroScale(base);
    expect(system.tick(input({ fleet: [20, 10], load: 20 }))).toEqual(replicas(40, 20));
    expect(system.tick(input({ atS: 170, fleet: [40, 20], load: 40 }))).toEqual(replicas(40, 20));
    expect(system.tick(input({ atS: 180, fleet: [40, 20], load: 40 }))).toEqual(replicas(80, 40));
  });

  it.each([
    { kind: 'scale-out', first: { fleet: [20, 10] as const, load: 20 }, after: [40, 20] as const },
    { kind: 'scale-in', first: { fleet: [40, 20] as const, load: 10 }, after: [20, 10] as const },
  ])('blocks a scale-in for 600 s after a $kind', ({ first, after }) => {
    const system = new HeteroScale(base);
    expect(system.tick(input(first))).toEqual(replicas(after[0], after[1]));
    expect(system.tick(input({ atS: 590, fleet: after, load: 5 }))).toEqual(replicas(after[0], after[1]));
    expect(system.tick(input({ atS: 600, fleet: after, load: 5 }))).toEqual(replicas(10, 5));
  });

  it('lets a scale-out follow a scale-in at once: the cooldowns are separate', () => {
    const system = new HeteroScale(base);
    expect(system.tick(input({ fleet: [40, 20], load: 10 }))).toEqual(replicas(20, 10));
    expect(system.tick(input({ atS: 15, fleet: [20, 10], load: 20 }))).toEqual(replicas(40, 20));
  });

  it('starts no cooldown when the bounds cancel the change', () => {
    const bounds = {
      prefill: { minReplicas: 1, maxReplicas: 20 },
      decode: { minReplicas: 1, maxReplicas: 10 },
    };
    const system = new HeteroScale({ ...base, bounds });
    expect(system.tick(input({ fleet: [20, 10], load: 20 }))).toEqual(replicas(20, 10));
    expect(system.tick(input({ atS: 15, fleet: [20, 10], load: 5 }))).toEqual(replicas(10, 5));
  });
});

describe('HeteroScale damping', () => {
  it.each([
    { damping: 0.5, load: 20, want: replicas(30, 15), why: 'half of 10 -> 20' },
    { damping: 0.5, load: 2.5, want: replicas(12, 6), why: 'half of 10 -> 3 is 6.5, rounded toward 3' },
    { damping: 0.01, load: 20, want: replicas(22, 11), why: 'a tenth of a replica still moves one' },
    { damping: 0.01, load: 2, want: replicas(18, 9), why: 'a scale-in past the band still moves one' },
  ])('applies damping × the gap, never a zero change: $why', ({ damping, load, want }) => {
    expect(once({ fleet: [20, 10], load }, { constants: { damping } })).toEqual(want);
  });
});

describe('HeteroScale latency safety net', () => {
  it.each([
    { current: 0, step: 0.1, want: 1, why: 'at least one replica' },
    { current: 1, step: 0.1, want: 2, why: 'ceil(1.1)' },
    { current: 10, step: 0.1, want: 11, why: '10 + 10%' },
    { current: 30, step: 0.1, want: 33, why: '30 × 1.1 is 33.000000000000004 in floats, still 33' },
    { current: 10, step: 0.2, want: 12, why: '10 + 20%' },
    { current: 7, step: 0.2, want: 9, why: 'ceil(8.4)' },
  ])('steps $current replicas by $step to $want ($why)', ({ current, step, want }) => {
    expect(stepUpReplicas(current, step)).toBe(want);
  });

  it.each([
    { tpotP90Ms: 50, want: replicas(20, 10), why: 'at the SLO: no breach' },
    { tpotP90Ms: 55, want: replicas(22, 11), why: 'above 1.0 × SLO: moderate, +10%' },
    { tpotP90Ms: 60, want: replicas(22, 11), why: 'at 1.2 × SLO: still moderate' },
    { tpotP90Ms: 61, want: replicas(24, 12), why: 'above 1.2 × SLO: severe, +20%' },
  ])('steps both roles on the decode TPOT at the SLO quantile: $why', ({ tpotP90Ms, want }) => {
    // Load 10 = N_D: the proportional law holds, so only the safety net moves.
    expect(once({ fleet: [20, 10], load: 10, tpotP90Ms })).toEqual(want);
  });

  it.each([
    { fleet: [12, 10] as const, want: replicas(20, 10), why: 'prefill 40% under 2 × 10 is restored' },
    {
      fleet: [19, 10] as const,
      want: replicas(19, 10),
      why: 'prefill 5% under the ratio is inside the dead band',
    },
    { fleet: [30, 10] as const, want: replicas(20, 10), why: 'prefill 50% over the ratio is trimmed' },
  ])('maintains the fixed ratio while decode holds: $why', ({ fleet, want }) => {
    expect(once({ fleet, load: 10 })).toEqual(want);
  });

  it('adds at least one replica to each role on a breach', () => {
    // 1 × 1.1 and 2 × 1.1 round up to one more each.
    expect(once({ fleet: [2, 1], load: 1, tpotP90Ms: 55 })).toEqual(replicas(3, 2));
  });

  it('reads TPOT at the policy quantile', () => {
    // p50 is 20 ms in every reading: a p50 policy sees no breach where a p90 one does.
    // (The p50 TTFT SLO also changes the offline ratio, so compare with the same policy unbreached.)
    const p50 = { slo: { ...base.slo, quantile: 'p50' as const } };
    const unbreached = once({ fleet: [20, 10], load: 10 }, p50);
    expect(once({ fleet: [20, 10], load: 10, tpotP90Ms: 70 }, p50)).toEqual(unbreached);
    expect(unbreached.decode).toBe(10);
  });

  it('takes the max of the step and a proportional scale-out', () => {
    expect(once({ fleet: [20, 10], load: 15, tpotP90Ms: 55 })).toEqual(replicas(30, 15));
    // Severe from 40 / 20 is 48 / 24; the law's 23 (a 15% rise) is smaller, so the step stands.
    expect(once({ fleet: [40, 20], load: 23, tpotP90Ms: 61 })).toEqual(replicas(48, 24));
  });

  it('steps out instead of following a proportional scale-in while latency breaches', () => {
    expect(once({ fleet: [20, 10], load: 2, tpotP90Ms: 55 })).toEqual(replicas(22, 11));
  });

  it('obeys the scale-out cooldown: a breach 170 s after a step holds, at 180 s it steps again', () => {
    const system = new HeteroScale(base);
    expect(system.tick(input({ fleet: [20, 10], load: 10, tpotP90Ms: 55 }))).toEqual(replicas(22, 11));
    expect(system.tick(input({ atS: 170, fleet: [22, 11], load: 2, tpotP90Ms: 55 }))).toEqual(
      replicas(22, 11),
    );
    // ceil(22 × 1.1) = ceil(24.2) = 25, ceil(11 × 1.1) = ceil(12.1) = 13.
    expect(system.tick(input({ atS: 180, fleet: [22, 11], load: 11, tpotP90Ms: 55 }))).toEqual(
      replicas(25, 13),
    );
  });

  it('ignores prefill TTFT by default, however high', () => {
    expect(once({ fleet: [20, 10], load: 10, ttftP90Ms: 10 * base.slo.ttftMs })).toEqual(replicas(20, 10));
  });

  it.each([
    { ttftFactor: 1.1, tpotP90Ms: 40, want: replicas(22, 11), why: 'moderate TTFT: +10%' },
    { ttftFactor: 1.3, tpotP90Ms: 40, want: replicas(24, 12), why: 'severe TTFT: +20%' },
    { ttftFactor: 1.3, tpotP90Ms: 55, want: replicas(24, 12), why: 'the worse of the two tiers wins' },
    { ttftFactor: 1.1, tpotP90Ms: 61, want: replicas(24, 12), why: 'the worse of the two tiers wins' },
  ])('steps on prefill TTFT with ttftGuard: $why', ({ ttftFactor, tpotP90Ms, want }) => {
    const guarded = { constants: { ttftGuard: true } };
    const ttftP90Ms = ttftFactor * base.slo.ttftMs;
    expect(once({ fleet: [20, 10], load: 10, ttftP90Ms, tpotP90Ms }, guarded)).toEqual(want);
  });
});

describe('HeteroScale unknown metrics', () => {
  it.each([
    { what: 'decode tokens/s is absent', reading: { tpotP90Ms: 70 } },
    { what: 'decode tokens/s is NaN', reading: { tokensPerS: Number.NaN, tpotP90Ms: 70 } },
  ])('holds both roles when $what, even under a TPOT breach', ({ reading }) => {
    expect(once({ fleet: [7, 3], ...reading })).toEqual(replicas(7, 3));
  });

  it('holds both roles when it reads no metrics at all', () => {
    const fleet = input({ fleet: [7, 3] }).fleet;
    expect(new HeteroScale(base).tick({ nowMs: t0, fleet, metrics: undefined })).toEqual(replicas(7, 3));
  });
});

describe('HeteroScale bounds', () => {
  it.each([
    {
      name: 'clamps prefill to its max after the ratio split, decode unchanged',
      bounds: { prefill: { minReplicas: 1, maxReplicas: 24 }, decode: { minReplicas: 1, maxReplicas: 100 } },
      load: 15,
      want: replicas(24, 15),
    },
    {
      name: 'clamps both roles to their mins when the load is gone',
      bounds: { prefill: { minReplicas: 3, maxReplicas: 100 }, decode: { minReplicas: 2, maxReplicas: 100 } },
      load: 0,
      want: replicas(3, 2),
    },
    {
      name: 'never goes below one replica, whatever minReplicas says',
      bounds: { prefill: { minReplicas: 0, maxReplicas: 100 }, decode: { minReplicas: 0, maxReplicas: 100 } },
      load: 0,
      want: replicas(1, 1),
    },
  ])('$name', ({ bounds, load, want }) => {
    expect(once({ fleet: [20, 10], load }, { bounds })).toEqual(want);
  });
});
