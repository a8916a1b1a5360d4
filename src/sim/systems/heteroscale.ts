// SPDX-License-Identifier: Apache-2.0
// Baseline `heteroscale`: ByteDance's production P/D autoscaling policy (Li et al., "Taming the Chaos",
// arXiv 2508.19559), re-implemented from docs/reference.md §F.1: proportional control of BOTH roles
// on one linear signal, decode tokens/s (§1.3, §1.4), split by a fixed P/D ratio chosen offline
// (Algorithm 1, heteroscale-ratio.ts, §1.5), with hysteresis, separate cooldowns, damping, and stepped
// negative feedback on latency as a safety net (§1.4). The paper states none of its constants; each one
// below is named with its source. Out of scope, because the simulator has no service discovery to pause
// or topology to place on: soft scale-in (instances are removed, not first withdrawn and observed),
// ratio-gated registration of the over-represented role (§1.5 "startup skew"), deployment groups and
// RDMA subgroups (§1.6), the periodic policy and graceful degradation. Keep it faithful, do not improve it.
import { latencyQuantileMs } from '../../decision/signals.js';
import type { CapacityModel, LatencyObservation, Observed, Quantile, Role } from '../../decision/types.js';
import { chooseHeteroScaleRatio, type HeteroScaleRatio } from './heteroscale-ratio.js';
import type { RoleMetrics, ScalingInput, SimAutoscaler } from './types.js';

export interface HeteroScaleConstants {
  /**
   * Seconds between evaluations. The paper evaluates "periodically" with no period; 15 s is the HPA
   * sync period and the fastest tick the simulator runs.
   */
  readonly intervalS: number;
  /**
   * Per-instance target as a fraction of one decode replica's SLO-compliant tokens/s from the stress
   * test. The paper sets targets from stress tests but states no headroom; 0.8 is our choice, leaving
   * room for the 10% dead band before the SLO-compliant maximum.
   */
  readonly targetUtilization: number;
  /** Relative rise of N_D* / N_D that must be exceeded to scale out (re-implementers' ±10%, §1.4). */
  readonly scaleOutThreshold: number;
  /** Relative fall of N_D* / N_D that must be exceeded to scale in (re-implementers' ±10%, §1.4). */
  readonly scaleInThreshold: number;
  /** Seconds since the last scale-out before another (re-implementers' 180 s, §1.4). */
  readonly scaleOutCooldownS: number;
  /** Seconds since the last action of either kind before a scale-in (re-implementers' 600 s, §1.4). */
  readonly scaleInCooldownS: number;
  /**
   * Fraction of the proportional change applied per action. The paper names "damping factors" without
   * values; 1 (no attenuation) is what the re-implementations do.
   */
  readonly damping: number;
  /**
   * Latency above this multiple of its SLO is a moderate breach. §1.4 gives no tier levels; 1.0 (any
   * miss of the SLO) is our choice.
   */
  readonly moderateBreachFactor: number;
  /** Fixed scale-out on a moderate breach, a fraction of current replicas (the paper's ~10%, §1.4). */
  readonly moderateStep: number;
  /** Latency above this multiple of its SLO is a severe breach (re-implementers' 1.2×SLO TBT trigger). */
  readonly severeBreachFactor: number;
  /** Fixed scale-out on a severe breach (the paper's ~20% emergency step, §1.4). */
  readonly severeStep: number;
  /**
   * Also step on prefill TTFT. Off as in the paper, which finds TTFT's signal-to-noise low and guards
   * on TBT (§1.3); on only for the sensitivity report.
   */
  readonly ttftGuard: boolean;
}

export const heteroScaleDefaults: HeteroScaleConstants = {
  intervalS: 15,
  targetUtilization: 0.8,
  scaleOutThreshold: 0.1,
  scaleInThreshold: 0.1,
  scaleOutCooldownS: 180,
  scaleInCooldownS: 600,
  damping: 1,
  moderateBreachFactor: 1.0,
  moderateStep: 0.1,
  severeBreachFactor: 1.2,
  severeStep: 0.2,
  ttftGuard: false,
};

export interface HeteroScaleOptions {
  readonly capacity: CapacityModel;
  readonly gpus: Readonly<Record<Role, number>>;
  readonly slo: { readonly ttftMs: number; readonly tpotMs: number; readonly quantile: Quantile };
  /** The trace's mean ISL and OSL: what the offline stress test is run at. */
  readonly workload: { readonly meanInputTokens: number; readonly meanOutputTokens: number };
  readonly bounds: Readonly<Record<Role, { readonly minReplicas: number; readonly maxReplicas: number }>>;
  readonly constants?: Partial<HeteroScaleConstants>;
}

type Replicas = Readonly<Record<Role, number>>;

/** What one evaluation reads: the clock, the metrics, `spec.replicas`, and T_D (known). */
interface Tick {
  readonly nowMs: number;
  readonly metrics: Readonly<Record<Role, RoleMetrics>>;
  readonly current: Replicas;
  readonly tokensPerS: number;
}

interface Move {
  readonly direction: 'out' | 'in';
  readonly replicas: Replicas;
}

/**
 * A float product such as 30 × 1.1 = 33.000000000000004 must not ask for a 34th replica, nor a float
 * ratio cross a threshold it only equals; no measured ratio is meaningful at this precision.
 */
const REPLICA_EPSILON = 1e-9;

const ceilReplicas = (x: number): number => Math.ceil(x - REPLICA_EPSILON);
const floorReplicas = (x: number): number => Math.floor(x + REPLICA_EPSILON);
/** Strictly beyond a dead band: 110 / 100 − 1 is 0.10000000000000009 in floats, exactly 10% is not beyond. */
const beyond = (change: number, threshold: number): boolean => change - threshold > REPLICA_EPSILON;

/** A fixed negative-feedback step: `step` of the current count, rounded up, at least one replica. */
export function stepUpReplicas(current: number, step: number): number {
  return Math.max(current + 1, ceilReplicas(current * (1 + step)));
}

const known = (field: Observed<number> | undefined): number | undefined =>
  field !== undefined && Number.isFinite(field.value) ? field.value : undefined;

/** HeteroScale's policy engine for one service. Stateful (cooldowns); tick() must not overlap. */
export class HeteroScale implements SimAutoscaler {
  readonly name = 'heteroscale';
  readonly readsMetrics = true;
  readonly intervalS: number;
  /** The offline ratio and per-replica rates from the stress test (Algorithm 1). */
  readonly ratio: HeteroScaleRatio;
  /** tau: decode tokens/s one decode replica is sized for (targetUtilization × its SLO-compliant rate). */
  readonly targetTokensPerSPerReplica: number;
  private readonly constants: HeteroScaleConstants;
  private readonly slo: HeteroScaleOptions['slo'];
  private readonly bounds: HeteroScaleOptions['bounds'];
  private lastScaleOutMs: number | undefined;
  private lastActionMs: number | undefined;

  constructor(options: HeteroScaleOptions) {
    this.constants = { ...heteroScaleDefaults, ...options.constants };
    this.intervalS = this.constants.intervalS;
    this.slo = options.slo;
    this.bounds = options.bounds;
    // The stress test may try any pair the deployment could run (up to 64 per role): a lopsided
    // workload (Azure code: ~19 prefill per decode) must not be cut off at an arbitrary search cap.
    this.ratio = chooseHeteroScaleRatio({
      capacity: options.capacity,
      gpus: options.gpus,
      slo: options.slo,
      ...options.workload,
      maxReplicasPerRole: Math.max(
        1,
        Math.min(64, options.bounds.prefill.maxReplicas, options.bounds.decode.maxReplicas),
      ),
    });
    this.targetTokensPerSPerReplica =
      this.constants.targetUtilization * this.ratio.decodeRequestsPerS * options.workload.meanOutputTokens;
  }

  tick(input: ScalingInput): Replicas {
    const current = { prefill: input.fleet.prefill.desired, decode: input.fleet.decode.desired };
    // Unknown is not zero: with no decode tokens/s (no Ready decode, no window yet) nothing is sized.
    const tokensPerS = known(input.metrics?.decode.extras.generationTokensPerS);
    if (input.metrics === undefined || tokensPerS === undefined) return this.clamp(current);
    const move = this.decide({ nowMs: input.nowMs, metrics: input.metrics, current, tokensPerS });
    const next = this.clamp(move?.replicas ?? current);
    if (move !== undefined && (next.prefill !== current.prefill || next.decode !== current.decode)) {
      if (move.direction === 'out') this.lastScaleOutMs = input.nowMs;
      this.lastActionMs = input.nowMs;
    }
    return next;
  }

  /**
   * The breach step wins over the proportional law, taking the max with a proportional scale-out and
   * overriding a proportional scale-in (latency is over its SLO: removing capacity would deepen it).
   */
  private decide(tick: Tick): Move | undefined {
    const { nowMs, current } = tick;
    const proportional = this.proportional(tick.tokensPerS, current);
    const step = this.breachStep(tick.metrics);
    if (step !== undefined) {
      if (!this.mayScaleOut(nowMs)) return undefined;
      const stepped = {
        prefill: stepUpReplicas(current.prefill, step),
        decode: stepUpReplicas(current.decode, step),
      };
      const law = proportional?.direction === 'out' ? proportional.replicas : stepped;
      return {
        direction: 'out',
        replicas: {
          prefill: Math.max(stepped.prefill, law.prefill),
          decode: Math.max(stepped.decode, law.decode),
        },
      };
    }
    if (proportional === undefined) return undefined;
    const allowed = proportional.direction === 'out' ? this.mayScaleOut(nowMs) : this.mayScaleIn(nowMs);
    return allowed ? proportional : undefined;
  }

  /**
   * N_D* = ceil(T_D / tau), acted on only outside the dead band, moved by `damping` of the gap (rounded
   * toward the target, never a zero change), and N_P = ceil(ratio × N_D): both roles in one action.
   */
  private proportional(tokensPerS: number, current: Replicas): Move | undefined {
    const { scaleOutThreshold, scaleInThreshold, damping } = this.constants;
    const decode = current.decode;
    const wanted = ceilReplicas(tokensPerS / this.targetTokensPerSPerReplica);
    const damped = decode + damping * (wanted - decode);
    let next: number;
    let direction: Move['direction'];
    if (beyond(wanted / decode - 1, scaleOutThreshold)) {
      next = Math.max(decode + 1, ceilReplicas(damped));
      direction = 'out';
    } else if (beyond(1 - wanted / decode, scaleInThreshold)) {
      next = Math.min(decode - 1, floorReplicas(damped));
      direction = 'in';
    } else {
      return this.maintainRatio(current);
    }
    return { direction, replicas: { prefill: this.prefillFor(next), decode: next } };
  }

  /** The ratio as the integer pair it came from, so 5:3 of 3 decode is exactly 5 prefill. */
  private prefillFor(decode: number): number {
    return ceilReplicas((this.ratio.prefill * decode) / this.ratio.decode);
  }

  /**
   * Ratio maintenance (§1.5): decode is within its dead band, but prefill has drifted from the fixed
   * ratio (e.g. a fleet started at another ratio) by more than the same thresholds: restore the ratio
   * on the current decode count, as a scale-out or a scale-in of prefill.
   */
  private maintainRatio(current: Replicas): Move | undefined {
    const prefill = this.prefillFor(current.decode);
    const { scaleOutThreshold, scaleInThreshold } = this.constants;
    if (beyond(prefill / current.prefill - 1, scaleOutThreshold))
      return { direction: 'out', replicas: { prefill, decode: current.decode } };
    if (beyond(1 - prefill / current.prefill, scaleInThreshold))
      return { direction: 'in', replicas: { prefill, decode: current.decode } };
    return undefined;
  }

  /** The worst tier over the guarded latencies at the SLO quantile, as a step fraction; undefined if none. */
  private breachStep(metrics: Readonly<Record<Role, RoleMetrics>>): number | undefined {
    const tpot = this.tier(metrics.decode.observation.tpotMs?.value, this.slo.tpotMs);
    const ttft = this.constants.ttftGuard
      ? this.tier(metrics.prefill.observation.ttftMs?.value, this.slo.ttftMs)
      : undefined;
    if (tpot === undefined) return ttft;
    return ttft === undefined ? tpot : Math.max(tpot, ttft);
  }

  private tier(latency: LatencyObservation | undefined, sloMs: number): number | undefined {
    const { moderateBreachFactor, moderateStep, severeBreachFactor, severeStep } = this.constants;
    const observedMs = latency === undefined ? undefined : latencyQuantileMs(latency, this.slo.quantile);
    if (observedMs === undefined) return undefined;
    if (observedMs > severeBreachFactor * sloMs) return severeStep;
    return observedMs > moderateBreachFactor * sloMs ? moderateStep : undefined;
  }

  private mayScaleOut(nowMs: number): boolean {
    return (
      this.lastScaleOutMs === undefined ||
      nowMs - this.lastScaleOutMs >= this.constants.scaleOutCooldownS * 1000
    );
  }

  private mayScaleIn(nowMs: number): boolean {
    return (
      this.lastActionMs === undefined || nowMs - this.lastActionMs >= this.constants.scaleInCooldownS * 1000
    );
  }

  /** Each role into its bounds after the ratio split; a role never goes below one replica. */
  private clamp(replicas: Replicas): Replicas {
    const within = (role: Role): number => {
      const { minReplicas, maxReplicas } = this.bounds[role];
      return Math.min(maxReplicas, Math.max(1, minReplicas, replicas[role]));
    };
    return { prefill: within('prefill'), decode: within('decode') };
  }
}
