// SPDX-License-Identifier: Apache-2.0
// The blitzscale-bands baseline rule by rule, as `generate_scale_target` and its caller in
// blitz-serving/blitz-scale:router_v2/src/replica/cybernetics/planner.rs run them (docs/reference.md §F
// §2.1), quirks included. Default bands: prefill 0.15/0.4, decode 0.45/0.8, migration 0.2/0.4; default
// rates R_p = 13000 and 20000 tok/s (main.rs).
import { describe, expect, it } from 'vitest';
import {
  BlitzScaleBandsSystem,
  blitzScaleDefaultBands,
  blitzScaleTargets,
  type BlitzScaleBounds,
  type BlitzScaleOptions,
} from '../../../src/sim/systems/blitzscale-bands.js';
import type { RoleFleetView, RouterView, ScalingInput } from '../../../src/sim/systems/types.js';

const t0 = Date.UTC(2026, 0, 5, 12, 0, 0);

const wide: BlitzScaleBounds = {
  prefill: { minReplicas: 1, maxReplicas: 100 },
  decode: { minReplicas: 1, maxReplicas: 100 },
};

/** No tokens anywhere: every band is [0, 0]. */
const idle: RouterView = {
  prefillQueuedTokens: 0,
  kvOnPrefillTokens: 0,
  kvOnDecodeTokens: 0,
  kvCapacityTokensPerReplica: 10_000,
};

interface Pass {
  readonly replicas?: { readonly prefill?: number; readonly decode?: number };
  readonly router?: Partial<RouterView>;
  readonly tokensPrefilledPerSPerReplica?: number;
  readonly tokensTransferredPerSPerReplica?: number;
  readonly bounds?: BlitzScaleBounds;
}

function targets(pass: Pass) {
  return blitzScaleTargets({
    replicas: { prefill: pass.replicas?.prefill ?? 1, decode: pass.replicas?.decode ?? 1 },
    router: { ...idle, ...pass.router },
    bands: blitzScaleDefaultBands,
    bounds: pass.bounds ?? wide,
    tokensPrefilledPerSPerReplica: pass.tokensPrefilledPerSPerReplica ?? 13_000,
    tokensTransferredPerSPerReplica: pass.tokensTransferredPerSPerReplica ?? 20_000,
  });
}

function system(options: Partial<BlitzScaleOptions> = {}): BlitzScaleBandsSystem {
  return new BlitzScaleBandsSystem({
    bounds: wide,
    tokensPrefilledPerSPerReplica: 13_000,
    tokensTransferredPerSPerReplica: 20_000,
    ...options,
  });
}

const steady = (replicas: number): RoleFleetView => ({
  desired: replicas,
  ready: replicas,
  starting: 0,
  draining: 0,
});

function tickInput(
  fleet: { readonly prefill: RoleFleetView; readonly decode: RoleFleetView },
  router: Partial<RouterView> | undefined,
  atS = 0,
): ScalingInput {
  return {
    nowMs: t0 + atS * 1000,
    fleet,
    metrics: undefined,
    router: router === undefined ? undefined : { ...idle, ...router },
  };
}

describe('blitzScaleTargets bands', () => {
  it.each([
    { kvOnPrefillTokens: 0, kvOnDecodeTokens: 70_000 },
    { kvOnPrefillTokens: 10_000, kvOnDecodeTokens: 60_000 },
    { kvOnPrefillTokens: 70_000, kvOnDecodeTokens: 0 },
  ])(
    'sizes the decode memory band from KV in use on prefill and decode replicas alike ($kvOnPrefillTokens on prefill + $kvOnDecodeTokens on decode)',
    (kv) => {
      // B_used = 70000 either way, B_max = 10000: ceil(70000 / 0.8 / 10000) = ceil(8.75) = 9,
      // ceil(70000 / 0.45 / 10000) = ceil(15.56) = 16. A transfer rate of 1e6 tok/s x 9 replicas keeps
      // the KV band at most ceil(70000 / 0.2 / 9e6) = 1, below the memory band.
      const decode = targets({
        replicas: { decode: 9 },
        router: kv,
        tokensTransferredPerSPerReplica: 1_000_000,
      }).decode;
      expect({ min: decode.min, max: decode.max }).toEqual({ min: 9, max: 16 });
    },
  );

  it('computes each band end in f32 as planner.rs does, so a quotient a hair above an integer rounds down to it', () => {
    // 3460301 / 0.8 / 131072 = 33.0000019 in f64 (ceil 34), but f32(0.8) = 0.800000012 and
    // 3460301 / 0.800000012 = 4325376.19 rounds to the f32 4325376 = 33 x 131072, so ceil gives 33.
    // Max: 3460301 / 0.45 / 131072 = 58.67 -> 59.
    const decode = targets({
      replicas: { decode: 40 },
      router: { kvOnDecodeTokens: 3_460_301, kvCapacityTokensPerReplica: 131_072 },
    }).decode;
    expect({ min: decode.min, max: decode.max }).toEqual({ min: 33, max: 59 });
  });

  it.each([
    // 30000 / 0.4 / 13000 = 5.77 -> 6; 30000 / 0.15 / 13000 = 15.38 -> 16.
    { queued: 30_000, rate: 13_000, min: 6, max: 16 },
    // 1000 / 0.4 / 1000 = 2.5 -> 3; 1000 / 0.15 / 1000 = 6.67 -> 7.
    { queued: 1_000, rate: 1_000, min: 3, max: 7 },
    // Nothing queued: 0 / anything = 0.
    { queued: 0, rate: 13_000, min: 0, max: 0 },
  ])(
    'sizes the prefill throughput band from queued tokens Q and the per-replica rate R_p (Q $queued, R_p $rate -> [$min, $max])',
    ({ queued, rate, min, max }) => {
      const prefill = targets({
        router: { prefillQueuedTokens: queued },
        tokensPrefilledPerSPerReplica: rate,
      }).prefill;
      expect({ min: prefill.min, max: prefill.max }).toEqual({ min, max });
    },
  );

  it('divides by migration_high at both ends of the prefill KV band, as planner.rs does, so that band never widens', () => {
    // prefill_tokens 50000, consumed = 2 decode x 20000 = 40000 tok/s. Prefill: ceil(50000 / 0.4 /
    // 40000) = ceil(3.125) = 4 at both ends (m_lo would give ceil(50000 / 0.2 / 40000) = 7). Decode
    // does use m_lo: [4, 7]; its memory band with B_max 1e6 is ceil(50000 / 0.8 / 1e6) = 1 and
    // ceil(50000 / 0.45 / 1e6) = 1, below it.
    const pass = {
      replicas: { decode: 2 },
      router: { kvOnPrefillTokens: 50_000, kvCapacityTokensPerReplica: 1_000_000 },
    };
    const above = targets({ ...pass, replicas: { prefill: 5, decode: 2 } });
    const below = targets({ ...pass, replicas: { prefill: 3, decode: 2 } });
    expect({ min: above.prefill.min, max: above.prefill.max }).toEqual({ min: 4, max: 4 });
    expect({ min: above.decode.min, max: above.decode.max }).toEqual({ min: 4, max: 7 });
    // Above the point: 5 -> 4. Below it: floor((4 + 4 + 1) / 2) = 4.
    expect([above.prefill.next, below.prefill.next]).toEqual([4, 4]);
  });

  it.each([
    // consumed = 2 x 20000 = 40000: 50000 / 0.4 / 40000 = 3.125 -> 4; 50000 / 0.2 / 40000 = 6.25 -> 7.
    { decodeReplicas: 2, rate: 20_000, prefillTokens: 50_000, min: 4, max: 7 },
    // consumed = 4 x 20000 = 80000: 1.5625 -> 2; 3.125 -> 4.
    { decodeReplicas: 4, rate: 20_000, prefillTokens: 50_000, min: 2, max: 4 },
    // consumed = 2 x 6000 = 12000: 125000 / 12000 = 10.42 -> 11; 250000 / 12000 = 20.83 -> 21.
    { decodeReplicas: 2, rate: 6_000, prefillTokens: 50_000, min: 11, max: 21 },
    // No decode replica: consumed = max(1, 0) = 1 tok/s: 100 / 0.4 = 250; 100 / 0.2 = 500.
    { decodeReplicas: 0, rate: 20_000, prefillTokens: 100, min: 250, max: 500 },
  ])(
    'sizes the decode KV band from prefill-held tokens over N_D x the transfer rate (N_D $decodeReplicas, $rate tok/s, $prefillTokens tokens -> [$min, $max])',
    ({ decodeReplicas, rate, prefillTokens, min, max }) => {
      // B_max 1e6 keeps the memory band at ceil(50000 / 0.45 / 1e6) = 1 or below.
      const decode = targets({
        replicas: { decode: decodeReplicas },
        router: { kvOnPrefillTokens: prefillTokens, kvCapacityTokensPerReplica: 1_000_000 },
        tokensTransferredPerSPerReplica: rate,
      }).decode;
      expect({ min: decode.min, max: decode.max }).toEqual({ min, max });
    },
  );

  it.each([
    // Throughput [6, 16] (Q 30000, R_p 13000). KV point = ceil(T / 0.4 / (1 x 1000)) = ceil(T / 400).
    { prefillTokens: 1_400, why: 'KV 3.5 -> 4: both ends from throughput', min: 6, max: 16 },
    { prefillTokens: 3_800, why: 'KV 9.5 -> 10: min from KV, max from throughput', min: 10, max: 16 },
    { prefillTokens: 7_800, why: 'KV 19.5 -> 20: both ends from KV', min: 20, max: 20 },
  ])('takes the role band as [max of the mins, max of the maxes] ($why)', ({ prefillTokens, min, max }) => {
    const prefill = targets({
      router: { prefillQueuedTokens: 30_000, kvOnPrefillTokens: prefillTokens },
      tokensTransferredPerSPerReplica: 1_000,
    }).prefill;
    expect({ min: prefill.min, max: prefill.max }).toEqual({ min, max });
  });

  it('takes the decode band from the KV band when it lies above the memory band', () => {
    // Memory: B_used 70000 / B_max 10000 -> [9, 16]. KV: 10000 / 0.4 / 900 = 27.78 -> 28,
    // 10000 / 0.2 / 900 = 55.56 -> 56. Band [max(9, 28), max(16, 56)] = [28, 56].
    const decode = targets({
      replicas: { decode: 1 },
      router: { kvOnPrefillTokens: 10_000, kvOnDecodeTokens: 60_000 },
      tokensTransferredPerSPerReplica: 900,
    }).decode;
    expect({ min: decode.min, max: decode.max }).toEqual({ min: 28, max: 56 });
  });
});

describe('blitzScaleTargets steps', () => {
  it.each([
    // Decode band [9, 16] (70000 tokens on decode, B_max 10000): floor((9 + 16 + 1) / 2) = 13, where
    // the exact mid-band is 12.5.
    { role: 'decode', current: 3, router: { kvOnDecodeTokens: 70_000 }, next: 13 },
    { role: 'decode', current: 8, router: { kvOnDecodeTokens: 70_000 }, next: 13 },
    // Prefill band [6, 16] (Q 30000): floor((6 + 16 + 1) / 2) = 11.
    { role: 'prefill', current: 2, router: { prefillQueuedTokens: 30_000 }, next: 11 },
  ] as const)(
    'jumps from below the band to the mid-band rounding up ($role $current -> $next)',
    ({ role, current, router, next }) => {
      expect(targets({ replicas: { [role]: current }, router })[role].next).toBe(next);
    },
  );

  it.each([2, 5, 40])(
    'removes exactly one replica per pass above the band however far above it is (%i replicas, band [0, 0])',
    (current) => {
      // Idle router: every band is [0, 0], so delta = 0 - N, capped at -1.
      const pass = targets({ replicas: { prefill: current, decode: current } });
      expect([pass.prefill.next, pass.decode.next]).toEqual([current - 1, current - 1]);
    },
  );

  it.each([
    { current: 1, next: 1, why: 'delta = max(0 - 1, -1, -(1 - 1)) = 0' },
    { current: 0, next: 1, why: 'planner.rs asserts N > 0; the expression max(0, -1, -(0 - 1)) = +1' },
  ])('never goes below one replica even when the bounds allow zero ($why)', ({ current, next }) => {
    const zeroFloor: BlitzScaleBounds = {
      prefill: { minReplicas: 0, maxReplicas: 100 },
      decode: { minReplicas: 0, maxReplicas: 100 },
    };
    const pass = targets({ replicas: { prefill: current, decode: current }, bounds: zeroFloor });
    expect([pass.prefill.next, pass.decode.next]).toEqual([next, next]);
  });

  it.each([9, 12, 16])('holds a count inside the band (%i decode replicas, band [9, 16])', (current) => {
    // 70000 tokens on decode, B_max 10000: [ceil(8.75), ceil(15.56)] = [9, 16].
    const decode = targets({ replicas: { decode: current }, router: { kvOnDecodeTokens: 70_000 } }).decode;
    expect(decode).toEqual({ min: 9, max: 16, current, next: current });
  });

  it.each([
    // Prefill band [6, 16] from Q 30000; bounds [3, 8].
    { current: 2, queued: 30_000, next: 8, why: 'mid-band 11 is cut to max 8' },
    { current: 10, queued: 30_000, next: 8, why: 'a hold at 10 inside the band is cut to max 8' },
    { current: 3, queued: 0, next: 3, why: 'band [0, 0] asks 3 - 1 = 2, lifted to min 3' },
  ])('clamps the band step to the config bounds afterwards ($why)', ({ current, queued, next }) => {
    const bounds: BlitzScaleBounds = { ...wide, prefill: { minReplicas: 3, maxReplicas: 8 } };
    const prefill = targets({
      replicas: { prefill: current },
      router: { prefillQueuedTokens: queued },
      bounds,
    }).prefill;
    expect(prefill.next).toBe(next);
  });
});

describe('BlitzScaleBandsSystem', () => {
  it('reads the router view, not metrics, and ticks every 15 s by default', () => {
    const blitz = system();
    expect({
      name: blitz.name,
      readsMetrics: blitz.readsMetrics,
      readsRouter: blitz.readsRouter,
      intervalS: blitz.intervalS,
    }).toEqual({ name: 'blitzscale-bands', readsMetrics: false, readsRouter: true, intervalS: 15 });
    expect(system({ intervalS: 5 }).intervalS).toBe(5);
  });

  it('holds the desired counts when there is no router view', () => {
    const fleet = {
      prefill: { desired: 4, ready: 2, starting: 1, draining: 0 },
      decode: { desired: 6, ready: 6, starting: 0, draining: 3 },
    };
    expect(system().tick(tickInput(fleet, undefined))).toEqual({ prefill: 4, decode: 6 });
  });

  it('counts replicas as ready + starting, not desired and not draining', () => {
    // Idle router, bands [0, 0]: N - 1. Prefill N = 3 + 2 = 5 -> 4 (desired would give 9, with the
    // draining 8, ready alone 2). Decode N = 1 + 5 = 6 -> 5 (desired 6, with draining 7, ready 0).
    const fleet = {
      prefill: { desired: 10, ready: 3, starting: 2, draining: 4 },
      decode: { desired: 7, ready: 1, starting: 5, draining: 2 },
    };
    expect(system().tick(tickInput(fleet, {}))).toEqual({ prefill: 4, decode: 5 });
  });

  it('overrides only the bands given and keeps the defaults of the others', () => {
    // Prefill 0.3/0.6 (e2e.toml): ceil(30000 / 0.6 / 13000) = ceil(3.85) = 4, ceil(30000 / 0.3 /
    // 13000) = ceil(7.69) = 8; from 2: floor((4 + 8 + 1) / 2) = 6. Decode keeps 0.45/0.8: [9, 16]
    // from 70000 tokens, from 3: 13.
    const blitz = system({ bands: { prefill: { low: 0.3, high: 0.6 } } });
    const input = tickInput(
      { prefill: steady(2), decode: steady(3) },
      { prefillQueuedTokens: 30_000, kvOnDecodeTokens: 70_000 },
    );
    expect(blitz.tick(input)).toEqual({ prefill: 6, decode: 13 });
  });

  it.each<{ field: string; options: Partial<BlitzScaleOptions> }>([
    { field: 'bands.prefill', options: { bands: { prefill: { low: 0, high: 0.4 } } } },
    { field: 'bands.decode', options: { bands: { decode: { low: 0.8, high: 0.45 } } } },
    { field: 'bands.migration', options: { bands: { migration: { low: 0.4, high: 0.4 } } } },
    // main.rs's default migration band: generate_scale_target asserts migration_low > 0.
    { field: 'bands.migration', options: { bands: { migration: { low: 0, high: 2 } } } },
    { field: 'bands.decode', options: { bands: { decode: { low: Number.NaN, high: 0.8 } } } },
    { field: 'tokensPrefilledPerSPerReplica', options: { tokensPrefilledPerSPerReplica: 0 } },
    { field: 'tokensTransferredPerSPerReplica', options: { tokensTransferredPerSPerReplica: -1 } },
    { field: 'intervalS', options: { intervalS: 0 } },
    { field: 'bounds.decode', options: { bounds: { ...wide, decode: { minReplicas: 3, maxReplicas: 2 } } } },
  ])('rejects an invalid $field with a RangeError naming it', ({ field, options }) => {
    expect(() => system(options)).toThrow(RangeError);
    expect(() => system(options)).toThrow(field);
  });

  it('steps down one replica per tick as the prefill queue drains', () => {
    // Q 30000: [6, 16], 8 holds. Q 2000: [ceil(0.38), ceil(1.03)] = [1, 2], 8 -> 7. Q 1000:
    // [ceil(0.19), ceil(0.51)] = [1, 1], 7 -> 6. Q 0: [0, 0], one off per tick down to 1.
    const queued = [30_000, 2_000, 1_000, 0, 0, 0, 0, 0, 0];
    const blitz = system();
    let replicas = { prefill: 8, decode: 1 };
    const counts: number[] = [];
    queued.forEach((prefillQueuedTokens, index) => {
      const fleet = { prefill: steady(replicas.prefill), decode: steady(replicas.decode) };
      replicas = { ...blitz.tick(tickInput(fleet, { prefillQueuedTokens }, index * blitz.intervalS)) };
      counts.push(replicas.prefill);
    });
    expect(counts).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 1]);
  });
});
