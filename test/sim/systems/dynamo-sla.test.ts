// SPDX-License-Identifier: Apache-2.0
// The dynamo-sla baseline rule by rule (docs/reference.md §D.1.3), on the real H200
// profile where a number is worked out, including the behaviour it is measured to have
// (docs/reference.md §G.3).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { profileCapacity } from '../../../src/decision/profile-capacity.js';
import type { Role, RoleObservation } from '../../../src/decision/types.js';
import { parseDynamoProfile } from '../../../src/policy/profiles.js';
import {
  applyGpuBudget,
  DynamoSlaPlanner,
  type DynamoSlaOptions,
} from '../../../src/sim/systems/dynamo-sla.js';
import type { RoleExtras } from '../../../src/sources/engines/aggregate.js';
import type { RoleFleetView, RoleMetrics, ScalingInput } from '../../../src/sim/systems/types.js';
import { dataDir } from '../../helpers/spec.js';

const raw = JSON.parse(
  readFileSync(`${dataDir}profiles/dynamo_H200_TP1P_TP1D/raw_data.json`, 'utf8'),
) as unknown;
const parsed = parseDynamoProfile('dynamo-h200-llama3.1-8b-fp8', raw);
if (!parsed.ok) throw new Error(parsed.message);
const profile = parsed.profile;
const h200 = profileCapacity(profile, { prefill: 1, decode: 1 }, undefined);

const t0 = Date.UTC(2026, 0, 5, 12, 0, 0);

/**
 * The worked operating point: 40 req/s of ISL 3,000 and OSL 150 over a 180 s interval, i.e. 7,200
 * requests, 120,000 prompt tokens/s and 6,000 generated tokens/s. With 2 decode replicas Ready and a
 * 1.6 s mean request duration the Little's-law concurrency is 7,200 / 2 x 1.6 / 180 = 32 per replica.
 */
const context = 3000 + 150 / 2;
const itlAt32 = h200.decodeItlMs(context, 32);

interface Interval {
  readonly ratePerS: number;
  readonly isl: number;
  readonly osl: number;
  readonly ttftMs: number;
  readonly itlMs: number;
  readonly e2eMs: number;
}

/** TTFT above the profile's unloaded 61.2 ms (p_corr > 1) and ITL equal to the profile's (d_corr = 1). */
const nominal: Interval = { ratePerS: 40, isl: 3000, osl: 150, ttftMs: 200, itlMs: itlAt32, e2eMs: 1600 };

type Field = 'ttft' | 'itl' | 'isl' | 'osl' | 'duration';

function metrics(load: Interval, absent: readonly Field[] = []): Record<Role, RoleMetrics> {
  const at = (value: number) => ({ value, atMs: t0 });
  const has = (field: Field) => !absent.includes(field);
  const prefillObservation: RoleObservation = {
    requestRatePerS: at(load.ratePerS),
    ...(has('isl') ? { inputTokensMean: at(load.isl) } : {}),
    // Prefill instances generate one token per request: a planner reading this OSL would be wrong.
    outputTokensMean: at(1),
  };
  const decodeObservation: RoleObservation = has('osl') ? { outputTokensMean: at(load.osl) } : {};
  const prefillExtras: RoleExtras = has('ttft') ? { ttftMeanMs: at(load.ttftMs) } : {};
  const decodeExtras: RoleExtras = {
    ...(has('duration') ? { e2eMeanMs: at(load.e2eMs) } : {}),
    ...(has('itl') ? { tpotMeanMs: at(load.itlMs) } : {}),
  };
  return {
    prefill: { observation: prefillObservation, extras: prefillExtras },
    decode: { observation: decodeObservation, extras: decodeExtras },
  };
}

const steady = (replicas: number): RoleFleetView => ({
  desired: replicas,
  ready: replicas,
  starting: 0,
  draining: 0,
});

function input(atS: number, load: Interval, absent: readonly Field[] = []): ScalingInput {
  return {
    nowMs: t0 + atS * 1000,
    fleet: { prefill: steady(7), decode: steady(2) },
    metrics: metrics(load, absent),
  };
}

const base: DynamoSlaOptions = {
  capacity: h200,
  gpus: { prefill: 1, decode: 1 },
  slo: { ttftMs: 500, itlMs: 10 },
};

/** A fresh planner's first adjustment: started at t0, adjusting at t0 + 180 s. */
function firstAdjustment(
  load: Interval,
  options: Partial<DynamoSlaOptions> = {},
  absent: readonly Field[] = [],
) {
  const planner = new DynamoSlaPlanner({ ...base, ...options });
  planner.tick(input(0, load));
  return planner.tick(input(180, load, absent));
}

const prefillPerGpuAt3000 = h200.prefill(3000).tokensPerSecond;

describe('DynamoSlaPlanner interval gating', () => {
  it('holds until a full adjustment interval has passed, then adjusts once per interval', () => {
    const planner = new DynamoSlaPlanner(base);
    const hold = { prefill: 7, decode: 2 };
    expect(planner.tick(input(0, nominal))).toEqual(hold); // startup
    expect(planner.tick(input(60, nominal))).toEqual(hold); // 60 s of data
    expect(planner.tick(input(180, nominal))).toEqual({ prefill: 3, decode: 2 });
    expect(planner.tick(input(200, nominal))).toEqual(hold); // 20 s after the adjustment
    expect(planner.tick(input(360, nominal))).toEqual({ prefill: 3, decode: 2 });
  });
});

describe('DynamoSlaPlanner observation', () => {
  it.each<Field>(['ttft', 'itl', 'isl', 'osl'])(
    'skips the whole adjustment when the mean %s is unknown (dynamo#6985)',
    (field) => {
      expect(firstAdjustment(nominal, {}, [field])).toEqual({ prefill: 7, decode: 2 });
    },
  );

  it('reads the ISL from decode when prefill reports none', () => {
    const planner = new DynamoSlaPlanner(base);
    planner.tick(input(0, nominal));
    const noPrefillIsl = input(180, nominal, ['isl']);
    const decode = noPrefillIsl.metrics!.decode;
    const withDecodeIsl = {
      ...noPrefillIsl,
      metrics: {
        ...noPrefillIsl.metrics!,
        decode: {
          ...decode,
          observation: { ...decode.observation, inputTokensMean: { value: 3000, atMs: t0 } },
        },
      },
    };
    expect(planner.tick(withDecodeIsl)).toEqual({ prefill: 3, decode: 2 });
  });

  it('skips the adjustment even when traffic dropped to zero, so it never scales down', () => {
    const idle: Interval = { ...nominal, ratePerS: 0 };
    expect(firstAdjustment(idle, {}, ['ttft', 'itl'])).toEqual({ prefill: 7, decode: 2 });
  });
});

describe('DynamoSlaPlanner prefill', () => {
  it('sizes prefill from the mean rate with no queueing headroom (worked example on the H200 profile)', () => {
    // ISL 3,000 interpolates to 48,786 tokens/s per GPU (between 2,134 -> 42,707 and 3,151 -> 49,846).
    // 120,000 / 48,786 = 2.46 -> ceil = 3 replicas, while TTFT is 200 ms (p_corr 3.3 is cut to 1).
    expect(prefillPerGpuAt3000).toBeCloseTo(
      42706.958340382786 + ((3000 - 2134) / (3151 - 2134)) * 7138.9993,
      2,
    );
    expect(Math.ceil(120_000 / prefillPerGpuAt3000)).toBe(3);
    expect(firstAdjustment(nominal).prefill).toBe(3);
  });

  it('divides the per-GPU throughput by the GPUs of a prefill replica', () => {
    // TP2 prefill: 97,572 tokens/s per replica, so 120,000 / 48,786 / 2 = 1.23 -> 2 replicas.
    const tp2 = profileCapacity(profile, { prefill: 2, decode: 1 }, undefined);
    expect(firstAdjustment(nominal, { capacity: tp2, gpus: { prefill: 2, decode: 1 } }).prefill).toBe(2);
  });

  it.each([
    { ttftMs: 200, want: 3, why: 'p_corr 3.3 > 1 adds nothing: 3 replicas, as with no correction' },
    { ttftMs: 2000, want: 3, why: 'p_corr 33 (a deep backlog) still adds nothing' },
  ])('never adds capacity for TTFT worse than the profile: $why', ({ ttftMs, want }) => {
    expect(firstAdjustment({ ...nominal, ttftMs }).prefill).toBe(want);
  });

  it('removes capacity when TTFT is better than the profile', () => {
    // TTFT at half the unloaded 61.2 ms: p_corr 0.5, 60,000 / 48,786 = 1.23 -> 2.
    const ttftMs = h200.prefill(3000).unloadedTtftMs! / 2;
    expect(firstAdjustment({ ...nominal, ttftMs }).prefill).toBe(2);
  });

  it('keeps both factors at 1 without correction', () => {
    const ttftMs = h200.prefill(3000).unloadedTtftMs! / 2;
    expect(firstAdjustment({ ...nominal, ttftMs, itlMs: 2 * itlAt32 }, { correction: false })).toEqual({
      prefill: 3,
      decode: 2,
    });
  });
});

describe('DynamoSlaPlanner decode', () => {
  it.each([
    // 6,000 tokens/s needed. d_corr 1: ITL 10 ms -> batch 48 at 9.97 ms = 4,817 tokens/s -> 1.25 -> 2.
    { factor: 1, want: 2, why: 'ITL as profiled sizes at the SLO: 2 replicas' },
    // d_corr 2: target 5 ms -> batch 5 at 4.90 ms = 1,020 tokens/s -> 5.88 -> 6.
    { factor: 2, want: 6, why: 'ITL twice the profile tightens the target to 5 ms: 6 replicas' },
    // d_corr 0.5: target 20 ms -> batch 126 at 19.9 ms = 6,335 tokens/s -> 0.95 -> 1.
    { factor: 0.5, want: 1, why: 'ITL half the profile loosens the target to 20 ms: 1 replica' },
  ])('corrects the ITL target by d_corr: $why', ({ factor, want }) => {
    expect(firstAdjustment({ ...nominal, itlMs: factor * itlAt32 }).decode).toBe(want);
  });

  it('uses the ITL SLO itself when d_corr cannot be computed for want of a request duration', () => {
    // ITL twice the profile would tighten the target to 5 ms (6 replicas); unknown concurrency keeps 10 ms.
    expect(firstAdjustment({ ...nominal, itlMs: 2 * itlAt32 }, {}, ['duration']).decode).toBe(2);
  });

  it('shrinks decode on a prefill backlog, because request duration includes TTFT', () => {
    // Duration 5 s instead of 1.6 s: concurrency 100, profile ITL 16.2 ms, d_corr 0.5 -> target
    // 20 ms, 1 decode replica, though decode itself is exactly as loaded as before.
    expect(firstAdjustment({ ...nominal, e2eMs: 5000 }).decode).toBe(1);
  });

  it('reads the OSL from decode, not the 1 token prefill instances report', () => {
    const longOutputs: Interval = { ...nominal, osl: 600 };
    // 7,200 x 600 / 180 = 24,000 tokens/s at context 3,300: more than the 2 replicas for OSL 150.
    expect(firstAdjustment(longOutputs).decode).toBeGreaterThan(2);
  });
});

describe('DynamoSlaPlanner floors and GPU budget', () => {
  it.each([
    {
      wanted: { prefill: 2, decode: 3 },
      gpus: { prefill: 1, decode: 1 },
      budget: 8,
      want: { prefill: 2, decode: 3 },
    },
    {
      wanted: { prefill: 20, decode: 20 },
      gpus: { prefill: 1, decode: 1 },
      budget: undefined,
      want: { prefill: 20, decode: 20 },
    },
    // 10 GPUs over 8: scale 0.8, P = round(4.8) = 5, D gets the remaining 3.
    {
      wanted: { prefill: 6, decode: 4 },
      gpus: { prefill: 1, decode: 1 },
      budget: 8,
      want: { prefill: 5, decode: 3 },
    },
    // Python rounds half to even: P = round(2.5) = 2, D = round(5 - 2) = 3.
    {
      wanted: { prefill: 5, decode: 5 },
      gpus: { prefill: 1, decode: 1 },
      budget: 5,
      want: { prefill: 2, decode: 3 },
    },
    // 12 GPUs over 8: P = round(4 x 2/3) = 3, D = round((8 - 3) / 2) = round(2.5) = 2.
    {
      wanted: { prefill: 4, decode: 4 },
      gpus: { prefill: 1, decode: 2 },
      budget: 8,
      want: { prefill: 3, decode: 2 },
    },
    // 10 GPUs over 4: P = round(0.4) = 0 is floored to min_endpoint 1, D = round(4 - 1) = 3.
    {
      wanted: { prefill: 1, decode: 9 },
      gpus: { prefill: 1, decode: 1 },
      budget: 4,
      want: { prefill: 1, decode: 3 },
    },
  ])(
    'shrinks prefill first and gives decode the rest: $wanted on $budget GPUs -> $want',
    ({ wanted, gpus, budget, want }) => {
      expect(applyGpuBudget(wanted, gpus, 1, budget)).toEqual(want);
    },
  );

  it('applies the budget to the planner output', () => {
    // 3 P + 2 D = 5 GPUs over 4: P = round(3 x 0.8) = round(2.4) = 2, D = 4 - 2 = 2.
    expect(firstAdjustment(nominal, { maxGpuBudget: 4 })).toEqual({ prefill: 2, decode: 2 });
  });

  it.each([
    { minEndpoint: undefined, want: 1 },
    { minEndpoint: 2, want: 2 },
  ])('floors each role at min_endpoint ($want) when no request arrived', ({ minEndpoint, want }) => {
    const options = minEndpoint === undefined ? {} : { minEndpoint };
    expect(firstAdjustment({ ...nominal, ratePerS: 0 }, options)).toEqual({ prefill: want, decode: want });
  });

  it('clamps to the policy max replicas', () => {
    const heavy: Interval = { ...nominal, ratePerS: 400 };
    expect(firstAdjustment(heavy, { maxReplicas: { prefill: 8, decode: 4 } })).toEqual({
      prefill: 8,
      decode: 4,
    });
  });
});
