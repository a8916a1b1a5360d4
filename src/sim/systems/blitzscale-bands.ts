// SPDX-License-Identifier: Apache-2.0
// Baseline `blitzscale-bands`: BlitzScale's (OSDI 2025) planner, the band controller that lives in its
// router (docs/reference.md §F.2.1, §F item 6). It is re-implemented from the authors' code,
// `generate_scale_target` and the loop that calls it in
// `blitz-serving/blitz-scale:router_v2/src/replica/cybernetics/planner.rs`, quirks included: this is a
// baseline, keep it faithful, do not improve it.
//
// Not modelled, because the simulator cannot see it:
// - Timing. The router runs the planner continuously (`yield_now()` between passes, limited by the
//   scaling operations in flight); the simulator ticks it every `intervalS`, the fleet step of 15 s by
//   default, the fastest tick available.
// - `scale_down_threshold_millis` (1.5 s in main.rs): a released replica lingers in `ShuttingNull`
//   before deactivation. That is shorter than one 15 s step, so the removal takes effect at the tick.
import type { Role } from '../../decision/types.js';
import type { RouterView, ScalingInput, SimAutoscaler } from './types.js';

/** A target load fraction band: the planner keeps each resource's load in [low, high]. */
export interface LoadBand {
  readonly low: number;
  readonly high: number;
}

export interface BlitzScaleBands {
  /** Queued prefill tokens over the prefill replicas' throughput (Eq.3). */
  readonly prefill: LoadBand;
  /** KV in use over the decode replicas' KV capacity (Eq.1). */
  readonly decode: LoadBand;
  /** Prefill-held KV over the decode replicas' KV intake rate (Eq.2). */
  readonly migration: LoadBand;
}

/**
 * Prefill 0.15/0.4 and decode 0.45/0.8 are main.rs's defaults (docs/reference.md §F.2.1). main.rs's
 * migration band 0.0/2.0 cannot run: `generate_scale_target` asserts `migration_low > 0`. So the
 * migration band is the authors' end-to-end experiment's, `blitz-serving/blitz-router:exps/blitz-run/
 * e2e.toml` 0.2/0.4 (§2.1).
 */
export const blitzScaleDefaultBands: BlitzScaleBands = {
  prefill: { low: 0.15, high: 0.4 },
  decode: { low: 0.45, high: 0.8 },
  migration: { low: 0.2, high: 0.4 },
};

export type BlitzScaleBounds = Readonly<
  Record<Role, { readonly minReplicas: number; readonly maxReplicas: number }>
>;

export interface BlitzScaleOptions {
  /** `min_prefill_num`/`max_prefill_num` and the decode pair of the router config. */
  readonly bounds: BlitzScaleBounds;
  /** R_p: prompt tokens one prefill replica prefills per second (the profile's, at the trace's mean ISL). */
  readonly tokensPrefilledPerSPerReplica: number;
  /** tokens_transferred_per_sec: KV tokens one decode replica takes in per second (link bandwidth / KV bytes per token). */
  readonly tokensTransferredPerSPerReplica: number;
  readonly bands?: Partial<BlitzScaleBands>;
  /** Seconds between planner passes. @default 15 */
  readonly intervalS?: number;
}

/** One role's pass: the band [min, max] the planner wants, the count it saw, the count it asks for. */
export interface RoleBandDecision {
  readonly min: number;
  readonly max: number;
  readonly current: number;
  readonly next: number;
}

export interface BlitzScaleTargetInput {
  /** N per role: replicas loading or serving (planner.rs `view_replica_state`; shutting ones excluded). */
  readonly replicas: Readonly<Record<Role, number>>;
  readonly router: RouterView;
  readonly bands: BlitzScaleBands;
  readonly bounds: BlitzScaleBounds;
  readonly tokensPrefilledPerSPerReplica: number;
  readonly tokensTransferredPerSPerReplica: number;
}

interface Band {
  readonly min: number;
  readonly max: number;
}

/**
 * One band end, `(x as f32 / bound / rate as f32).ceil() as u32` in planner.rs: every step is rounded
 * to f32 as the Rust code does (f64 then fround is exact f32 division), so a quotient that lands a hair
 * either side of an integer rounds as it does in the router.
 */
function ceilF32(numerator: number, bound: number, rate: number): number {
  const f32 = Math.fround;
  return Math.ceil(f32(f32(f32(numerator) / f32(bound)) / f32(rate)));
}

/** `max(min_a, min_b)` and `max(max_a.max(min), max_b.max(min))`, planner.rs "temporary solution". */
function combine(a: Band, b: Band): Band {
  const min = Math.max(a.min, b.min);
  return { min, max: Math.max(Math.max(a.max, min), Math.max(b.max, min)) };
}

/**
 * The per-role step of planner.rs ("final solution") then the loop's clamp to the config bounds
 * ("config file take effect": above max first, then below min, so min wins).
 */
function step(band: Band, current: number, bounds: BlitzScaleBounds[Role]): RoleBandDecision {
  let delta = 0;
  // Below the band: jump to the mid-band, rounding up (u32 `(min + max + 1) / 2`).
  if (band.min > current) delta = Math.floor((band.min + band.max + 1) / 2) - current;
  // Above it: toward max. In u32 `max - N` wraps and `as i32` makes it negative again (release build).
  else if (band.max < current) delta = band.max - current;
  // `.max(-1).max(-(N as i32) + 1)`: one removal per pass, never below 1. planner.rs asserts N > 0;
  // at N = 0 the same expression asks for at least one.
  delta = Math.max(delta, -1, -(current - 1));
  const next = Math.max(Math.min(current + delta, bounds.maxReplicas), bounds.minReplicas);
  return { min: band.min, max: band.max, current, next };
}

/** `generate_scale_target` and the bounds clamp of its caller, as a pure function. */
export function blitzScaleTargets(input: BlitzScaleTargetInput): {
  prefill: RoleBandDecision;
  decode: RoleBandDecision;
} {
  const { router, bands } = input;
  // current_waiting_decode_blocks sums the used blocks of prefill AND decode replicas (planner.rs
  // `view_replica_state`); the router counts blocks, the simulator exact tokens.
  const kvUsedTokens = router.kvOnPrefillTokens + router.kvOnDecodeTokens;
  const capacity = router.kvCapacityTokensPerReplica;
  // Eq.1 decode memory.
  const decodeMemory: Band = {
    min: ceilF32(kvUsedTokens, bands.decode.high, capacity),
    max: ceilF32(kvUsedTokens, bands.decode.low, capacity),
  };
  // Eq.2 KV bandwidth: prefill_tokens is the KV still on prefill replicas; the caller passes
  // `(num_decode_replica * tokens_transferred_per_sec).max(1)`.
  const prefillTokens = router.kvOnPrefillTokens;
  const consumedPerS = Math.max(1, input.replicas.decode * input.tokensTransferredPerSPerReplica);
  const decodeKv: Band = {
    min: ceilF32(prefillTokens, bands.migration.high, consumedPerS),
    max: ceilF32(prefillTokens, bands.migration.low, consumedPerS),
  };
  // planner.rs divides by `migration_high` for BOTH ends of the prefill KV band (a bug in the authors'
  // code, kept): the band is a single point and never widens.
  const prefillKvPoint = ceilF32(prefillTokens, bands.migration.high, consumedPerS);
  const prefillKv: Band = { min: prefillKvPoint, max: prefillKvPoint };
  // Eq.3 prefill throughput.
  const prefillThroughput: Band = {
    min: ceilF32(router.prefillQueuedTokens, bands.prefill.high, input.tokensPrefilledPerSPerReplica),
    max: ceilF32(router.prefillQueuedTokens, bands.prefill.low, input.tokensPrefilledPerSPerReplica),
  };
  return {
    prefill: step(combine(prefillThroughput, prefillKv), input.replicas.prefill, input.bounds.prefill),
    decode: step(combine(decodeMemory, decodeKv), input.replicas.decode, input.bounds.decode),
  };
}

function checkBand(field: string, band: LoadBand): void {
  if (band.low > 0 && band.low < band.high && Number.isFinite(band.high)) return;
  throw new RangeError(`${field} must satisfy 0 < low < high, got low ${band.low}, high ${band.high}`);
}

function checkPositive(field: string, value: number): void {
  if (value > 0 && Number.isFinite(value)) return;
  throw new RangeError(`${field} must be a positive finite number, got ${value}`);
}

function checkBounds(role: Role, bounds: BlitzScaleBounds[Role]): void {
  const { minReplicas, maxReplicas } = bounds;
  if (Number.isInteger(minReplicas) && minReplicas >= 0 && Number.isInteger(maxReplicas)) {
    if (maxReplicas >= minReplicas) return;
  }
  throw new RangeError(
    `bounds.${role} must be integers with 0 <= minReplicas <= maxReplicas, got ${minReplicas}..${maxReplicas}`,
  );
}

/** BlitzScale's planner over the router's exact token counts. Stateless between ticks. */
export class BlitzScaleBandsSystem implements SimAutoscaler {
  readonly name = 'blitzscale-bands';
  readonly readsMetrics = false;
  readonly readsRouter = true;
  readonly intervalS: number;
  private readonly bands: BlitzScaleBands;
  private readonly options: BlitzScaleOptions;

  constructor(options: BlitzScaleOptions) {
    this.bands = { ...blitzScaleDefaultBands, ...options.bands };
    checkBand('bands.prefill', this.bands.prefill);
    checkBand('bands.decode', this.bands.decode);
    checkBand('bands.migration', this.bands.migration);
    checkPositive('tokensPrefilledPerSPerReplica', options.tokensPrefilledPerSPerReplica);
    checkPositive('tokensTransferredPerSPerReplica', options.tokensTransferredPerSPerReplica);
    checkBounds('prefill', options.bounds.prefill);
    checkBounds('decode', options.bounds.decode);
    this.intervalS = options.intervalS ?? 15;
    checkPositive('intervalS', this.intervalS);
    this.options = options;
  }

  tick(input: ScalingInput): Readonly<Record<Role, number>> {
    const { fleet, router } = input;
    if (router === undefined) return { prefill: fleet.prefill.desired, decode: fleet.decode.desired };
    // N counts loading + serving replicas; draining ones are ShuttingPrefill/Decode, which
    // `view_replica_state` leaves out of the count.
    const targets = blitzScaleTargets({
      replicas: {
        prefill: fleet.prefill.ready + fleet.prefill.starting,
        decode: fleet.decode.ready + fleet.decode.starting,
      },
      router,
      bands: this.bands,
      bounds: this.options.bounds,
      tokensPrefilledPerSPerReplica: this.options.tokensPrefilledPerSPerReplica,
      tokensTransferredPerSPerReplica: this.options.tokensTransferredPerSPerReplica,
    });
    return { prefill: targets.prefill.next, decode: targets.decode.next };
  }
}
