// SPDX-License-Identifier: Apache-2.0
// Baseline `dynamo-sla`: NVIDIA Dynamo's 2025 SLA planner (generation 2), re-implemented from its
// formulas in docs/reference.md §D.1.3 (observation, correction factors, prefill and
// decode replicas, floors and GPU budget), with the constant predictor of §1.6. It is measured to
// under-provision (docs/reference.md §G.3: prefill sized from the mean rate with no queueing
// headroom, `min(1, p_corr)` never adds capacity, decode correction shrinks decode on a prefill
// backlog). That is the point of the baseline: keep it faithful, do not improve it.
import type { CapacityModel, Observed, Role } from '../../decision/types.js';
import type { RoleMetrics, ScalingInput, SimAutoscaler } from './types.js';

export interface DynamoSlaOptions {
  /**
   * Per-replica capacity built for `gpus` (profileCapacity): `prefill(isl).tokensPerSecond` is per
   * replica, i.e. the profile's per-GPU throughput x `gpus.prefill`.
   */
  readonly capacity: CapacityModel;
  /** `prefill_engine_num_gpu` / `decode_engine_num_gpu`: GPUs per replica. */
  readonly gpus: Readonly<Record<Role, number>>;
  /**
   * `--ttft` / `--itl`, milliseconds. The replica formulas read only the ITL: the planner's TTFT
   * target picks the profiled config and draws the dry-run plot, it never sizes prefill.
   */
  readonly slo: { readonly ttftMs: number; readonly itlMs: number };
  /** `adjustment_interval`, seconds: the tick period and the metrics window. @default 180 */
  readonly adjustmentIntervalS?: number;
  /** `min_endpoint`, replicas per role. @default 1 */
  readonly minEndpoint?: number;
  /**
   * `max_gpu_budget`, GPUs over both roles; absent means no budget. Dynamo's default is 8, which
   * would cap the fleet below what the backtest's traces need, so the runner passes the policy's.
   */
  readonly maxGpuBudget?: number | undefined;
  /** False is `--no-correction`: both correction factors stay 1. @default true */
  readonly correction?: boolean;
  /**
   * `load_predictor`. Only `constant` (next = last observed value): Dynamo's default `arima` needs
   * pmdarima's auto_arima fit and is not reproducible here; the measured baseline used `constant`.
   * @default 'constant'
   */
  readonly predictor?: 'constant';
  /**
   * The policy's max replicas per role. Dynamo has no per-role maximum; the backtest clamps to the
   * same bounds every system gets, as a quota on the cluster would.
   */
  readonly maxReplicas?: Readonly<Record<Role, number>>;
}

/** What the planner reads from Prometheus over one adjustment interval (§1.3 "Observation"). */
interface IntervalMetrics {
  readonly ttftMs: number;
  readonly itlMs: number;
  /** Requests over the interval. */
  readonly numReq: number;
  /** Mean request duration (E2E, so TTFT included), seconds; NaN when unknown. */
  readonly requestDurationS: number;
  readonly isl: number;
  readonly osl: number;
}

const known = (field: Observed<number> | undefined): number | undefined =>
  field !== undefined && Number.isFinite(field.value) ? field.value : undefined;

/**
 * The interval's metrics, or undefined when TTFT, ITL, ISL or OSL is unknown: Metrics.is_valid() fails
 * and the planner skips the whole adjustment, even when traffic dropped to zero (dynamo#6985).
 */
function observe(
  metrics: Readonly<Record<Role, RoleMetrics>> | undefined,
  intervalS: number,
): IntervalMetrics | undefined {
  if (metrics === undefined) return undefined;
  const { prefill, decode } = metrics;
  const ttftMs = known(prefill.extras.ttftMeanMs);
  const itlMs = known(decode.extras.tpotMeanMs);
  const isl = known(prefill.observation.inputTokensMean) ?? known(decode.observation.inputTokensMean);
  // Prefill instances report one generated token per request; the real OSL is decode's.
  const osl = known(decode.observation.outputTokensMean);
  if (ttftMs === undefined || itlMs === undefined || isl === undefined || osl === undefined) return undefined;
  // The predictor stores an unknown (NaN) count as 0 (BasePredictor.add_data_point).
  const numReq = (known(prefill.observation.requestRatePerS) ?? 0) * intervalS;
  const requestDurationS = (known(decode.extras.e2eMeanMs) ?? Number.NaN) / 1000;
  return { ttftMs, itlMs, numReq, requestDurationS, isl, osl };
}

/** Python's round(): half to even, so round(2.5) is 2 where Math.round gives 3. */
function pythonRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * §1.3 "Floors and GPU budget": prefill shrinks proportionally first and decode takes the remainder,
 * both at least `minEndpoint`. E.g. 6 P + 4 D on 1 GPU each over a budget of 8: scale 0.8, P =
 * round(4.8) = 5, D = round(8 - 5) = 3 (test/sim/systems/dynamo-sla.test.ts).
 */
export function applyGpuBudget(
  wanted: Readonly<Record<Role, number>>,
  gpus: Readonly<Record<Role, number>>,
  minEndpoint: number,
  maxGpuBudget: number | undefined,
): Readonly<Record<Role, number>> {
  const prefill = Math.max(wanted.prefill, minEndpoint);
  const decode = Math.max(wanted.decode, minEndpoint);
  const total = prefill * gpus.prefill + decode * gpus.decode;
  if (maxGpuBudget === undefined || total <= maxGpuBudget) return { prefill, decode };
  const scale = maxGpuBudget / total;
  const shrunk = Math.max(minEndpoint, pythonRound(prefill * scale));
  return {
    prefill: shrunk,
    decode: Math.max(minEndpoint, pythonRound((maxGpuBudget - shrunk * gpus.prefill) / gpus.decode)),
  };
}

/** The SLA planner's loop. Stateful (correction factors, last adjustment); tick() must not overlap. */
export class DynamoSlaPlanner implements SimAutoscaler {
  readonly name = 'dynamo-sla';
  readonly readsMetrics = true;
  readonly intervalS: number;
  private readonly capacity: CapacityModel;
  private readonly gpus: Readonly<Record<Role, number>>;
  private readonly itlSloMs: number;
  private readonly minEndpoint: number;
  private readonly maxGpuBudget: number | undefined;
  private readonly correction: boolean;
  private readonly maxReplicas: Readonly<Record<Role, number>> | undefined;
  /** Planner.__init__ sets both factors to 1.0; they persist until the next corrected adjustment. */
  private pCorrection = 1;
  private dCorrection = 1;
  /** Planner.run() starts the clock at startup, so the first adjustment waits one full interval. */
  private lastAdjustmentMs: number | undefined;

  constructor(options: DynamoSlaOptions) {
    this.capacity = options.capacity;
    this.gpus = options.gpus;
    this.itlSloMs = options.slo.itlMs;
    this.intervalS = options.adjustmentIntervalS ?? 180;
    this.minEndpoint = options.minEndpoint ?? 1;
    this.maxGpuBudget = options.maxGpuBudget;
    this.correction = options.correction ?? true;
    this.maxReplicas = options.maxReplicas;
  }

  tick(input: ScalingInput): Readonly<Record<Role, number>> {
    // Between adjustments (and on a skipped one) the planner writes nothing: spec.replicas stays.
    const hold = { prefill: input.fleet.prefill.desired, decode: input.fleet.decode.desired };
    if (this.lastAdjustmentMs === undefined) {
      this.lastAdjustmentMs = input.nowMs;
      return hold;
    }
    if (input.nowMs - this.lastAdjustmentMs < this.intervalS * 1000) return hold;
    this.lastAdjustmentMs = input.nowMs;
    const load = observe(input.metrics, this.intervalS);
    if (load === undefined) return hold;
    if (this.correction) this.correct(load, input.fleet.decode.ready);
    const bounded = applyGpuBudget(this.replicasFor(load), this.gpus, this.minEndpoint, this.maxGpuBudget);
    return {
      prefill: Math.min(bounded.prefill, this.maxReplicas?.prefill ?? Infinity),
      decode: Math.min(bounded.decode, this.maxReplicas?.decode ?? Infinity),
    };
  }

  /**
   * §1.3 "Correction factors". p_corr compares the observed mean TTFT with the profile's unloaded TTFT
   * (a capacity model without one leaves it as it was). d_corr compares the observed ITL with the
   * profile's at the Little's-law concurrency, whose request duration includes TTFT: a prefill backlog
   * inflates it, lowers d_corr and so shrinks decode.
   */
  private correct(load: IntervalMetrics, readyDecode: number): void {
    const expectedTtftMs = this.capacity.prefill(load.isl).unloadedTtftMs;
    if (expectedTtftMs !== undefined) this.pCorrection = load.ttftMs / expectedTtftMs;
    const concurrency = ((load.numReq / Math.max(1, readyDecode)) * load.requestDurationS) / this.intervalS;
    const context = load.isl + load.osl / 2;
    // An unknown duration gives a NaN factor, which replicasFor() treats like a non-positive one.
    this.dCorrection = Number.isFinite(concurrency)
      ? load.itlMs / this.capacity.decodeItlMs(context, concurrency)
      : Number.NaN;
  }

  /** _compute_replica_requirements before the floors, with next = last (constant predictor). */
  private replicasFor(load: IntervalMetrics): Readonly<Record<Role, number>> {
    const { capacity, gpus, intervalS } = this;
    const predPrefillTokensPerS = ((load.numReq * load.isl) / intervalS) * Math.min(1, this.pCorrection);
    // Our capacity is per replica; the formula divides a per-GPU figure by the GPUs per replica.
    const prefillPerGpu = capacity.prefill(load.isl).tokensPerSecond / gpus.prefill;
    const prefill = Math.ceil(predPrefillTokensPerS / prefillPerGpu / gpus.prefill);

    const usable = this.dCorrection > 0 && Number.isFinite(this.dCorrection);
    const correctedItlMs = usable ? this.itlSloMs / this.dCorrection : this.itlSloMs;
    const context = load.isl + load.osl / 2;
    // find_best_throughput_per_gpu: the largest batch under the corrected ITL, at that batch's ITL.
    const batch = capacity.decode(context, correctedItlMs).maxBatch;
    const decodePerGpu = (batch * 1000) / capacity.decodeItlMs(context, batch) / gpus.decode;
    const decode = Math.ceil((load.numReq * load.osl) / intervalS / decodePerGpu / gpus.decode);
    return { prefill, decode };
  }
}
