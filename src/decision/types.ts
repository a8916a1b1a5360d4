// SPDX-License-Identifier: Apache-2.0
// Types shared by the pure decision core: the compiled spec it reads, the observation it is given,
// the state it carries between ticks and the decision it returns. Nothing here does I/O.
import type { RatioReport } from './ratio-band.js';

export const Roles = ['prefill', 'decode'] as const;
/** A role of a prefill/decode disaggregated RoleBasedGroup. */
export type Role = (typeof Roles)[number];

export const Quantiles = ['p50', 'p90', 'p95', 'p99'] as const;
/** The latency quantile an SLO is stated at. */
export type Quantile = (typeof Quantiles)[number];

/** Milliseconds since the Unix epoch. Time always enters the decision as an argument. */
export type EpochMs = number;

/** A measured value and when it was measured, so the decision can tell fresh from stale. */
export interface Observed<T> {
  readonly value: T;
  readonly atMs: EpochMs;
}

/** One cumulative histogram bucket, as in Prometheus: `count` observations were <= `le`. */
export interface CumulativeBucket {
  /** Upper bound in milliseconds; `Infinity` for the `+Inf` bucket. */
  readonly le: number;
  readonly count: number;
}

/** A latency signal: quantiles already computed (e.g. by PromQL), or raw cumulative buckets. */
export interface LatencyObservation {
  readonly quantilesMs?: Readonly<Partial<Record<Quantile, number>>>;
  readonly buckets?: readonly CumulativeBucket[];
}

/**
 * What is known about one role right now. A field that is not known is absent (`undefined`), never 0:
 * unknown is not idle (ai-dynamo/dynamo#6985).
 */
export interface RoleObservation {
  readonly requestRatePerS?: Observed<number>;
  readonly inputTokensMean?: Observed<number>;
  /** The window's prompt lengths as cumulative buckets (`le` in tokens), when the engine exports them. */
  readonly inputTokensBuckets?: Observed<readonly CumulativeBucket[]>;
  readonly outputTokensMean?: Observed<number>;
  readonly ttftMs?: Observed<LatencyObservation>;
  readonly tpotMs?: Observed<LatencyObservation>;
  readonly waitingRequests?: Observed<number>;
  readonly runningRequests?: Observed<number>;
  readonly activeConversations?: Observed<number>;
  /** Fraction of the KV cache in use, 0..1. */
  readonly kvCacheUsage?: Observed<number>;
  readonly readyReplicas?: Observed<number>;
  /**
   * Measured pod creation -> Ready of this role, seconds (rolling p90 of recent starts); the forecast
   * horizon when the policy says `coldStart: auto`.
   */
  readonly coldStartS?: Observed<number>;
  /**
   * Requests queued at the inference gateway for this pool (EPP flow control), summed over the EPP
   * replicas: prefill demand the engines have not seen yet. Absent when flow control is off.
   */
  readonly gatewayQueuedRequests?: Observed<number>;
  /** Requests/s the gateway rejected or evicted for lack of capacity or endpoints. */
  readonly gatewayRejectedPerS?: Observed<number>;
  /** The length of the window the rates were measured over, seconds (mean over the role's pods). */
  readonly rateWindowS?: Observed<number>;
  /** `spec.replicas` of the role's scaling adapter. */
  readonly desiredReplicas?: Observed<number>;
  readonly pendingReplicas?: Observed<number>;
}

export interface Observation {
  readonly roles: Readonly<Record<Role, RoleObservation>>;
}

/** A compiled custom expression: a plain function over named signals (mathjs stays in policy/). */
export interface CompiledExpression {
  readonly source: string;
  readonly signals: readonly string[];
  readonly evaluate: (scope: Readonly<Record<string, number>>) => number;
}

/** Capacity of one prefill replica at a given mean input length. */
export interface PrefillCapacity {
  readonly tokensPerSecond: number;
  /** TTFT of a single request with no queueing, when the model knows it. */
  readonly unloadedTtftMs: number | undefined;
}

/** Largest decode batch (concurrent conversations) per replica that keeps ITL at or under a target. */
export interface DecodeCapacity {
  readonly maxBatch: number;
  /** False when even a batch of one misses the target at this context length. */
  readonly reachable: boolean;
}

/** The capacity model a policy compiles to: profile interpolation or explicit per-replica figures. */
export interface CapacityModel {
  readonly description: string;
  readonly prefill: (inputTokens: number) => PrefillCapacity;
  readonly decode: (contextTokens: number, itlTargetMs: number) => DecodeCapacity;
  /** Predicted ITL of one decode replica running `batch` conversations of `contextTokens`. */
  readonly decodeItlMs: (contextTokens: number, batch: number) => number;
  /** KV-cache tokens of one decode replica, when the model knows it (a profile's `max_kv_tokens`). */
  readonly kvCapacityTokens?: number;
}

export interface RoleSpec {
  /** Role name inside the RoleBasedGroup. */
  readonly roleName: string;
  readonly gpusPerReplica: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Seconds from pod creation to Ready; the default forecast horizon (the prior when auto). */
  readonly coldStartS: number;
  /** `coldStart: auto`: the horizon follows the measured `RoleObservation.coldStartS` when fresh. */
  readonly coldStartAuto: boolean;
}

export interface StepLimit {
  readonly windowS: number;
  readonly maxStepReplicas: number;
  readonly maxStepPercent: number;
}

export interface ScheduleFloor {
  readonly name: string;
  readonly isActive: (nowMs: EpochMs) => boolean;
  readonly minReplicas: { readonly prefill?: number | undefined; readonly decode?: number | undefined };
}

export const ForecastMethods = ['none', 'ewma', 'holt'] as const;
export type ForecastMethod = (typeof ForecastMethods)[number];

export const PrefillSizingModels = ['queueing', 'throughput'] as const;
export type PrefillSizingModel = (typeof PrefillSizingModels)[number];

export const DecodeSizingModels = ['littles-law', 'active-conversations'] as const;
export type DecodeSizingModel = (typeof DecodeSizingModels)[number];

export const RatioBases = ['replicas', 'gpus'] as const;
export type RatioBasis = (typeof RatioBases)[number];

/**
 * How a binding GPU budget maximum is shared between the roles: by the expected share of requests
 * meeting both SLOs (budget-sharing.ts), or in proportion to need.
 */
export const BudgetSharings = ['marginal-slo', 'proportional'] as const;
export type BudgetSharing = (typeof BudgetSharings)[number];

/** A fully resolved, frozen policy: every default applied, every expression compiled. */
export interface DecisionSpec {
  readonly name: string;
  readonly namespace: string;
  readonly rbgName: string;
  readonly roles: Readonly<Record<Role, RoleSpec>>;
  readonly scaleToZero: boolean;
  readonly slo: {
    readonly quantile: Quantile;
    readonly ttftMs: number;
    readonly tpotMs: number;
    /** Observed latency above `breachFactor x SLO` is a clear breach: scale up at once. */
    readonly breachFactor: number;
    /**
     * Judge the TTFT quantile over requests an idle replica could serve within the SLO (prompts whose
     * prefill alone exceeds it are left out, estimated from the prompt-length histogram).
     */
    readonly excludeUnattainable: boolean;
    readonly maxRequestRatePerPrefillReplica: number | undefined;
    readonly maxActiveConversationsPerDecodeReplica: number | undefined;
  };
  readonly capacity: CapacityModel;
  readonly ratio: { readonly min: number; readonly max: number; readonly basis: RatioBasis } | undefined;
  readonly gpuBudget: {
    readonly min: number | undefined;
    readonly max: number | undefined;
    /**
     * The compiler always sets it (policy default marginal-slo); a spec built without it shares in
     * proportion to need, as every spec did before the key existed.
     */
    readonly sharing?: BudgetSharing;
  };
  readonly scaleUp: StepLimit;
  readonly scaleDown: StepLimit & {
    readonly margin: number;
    /** How long recurring bursts are remembered against a scale-down (burst-memory.ts); 0 is off. */
    readonly burstMemoryS: number;
    /** Time constant of the need a scale-down is judged by (need-smoothing.ts); 0 is the raw need. */
    readonly smoothingS: number;
  };
  /** A field older than this is stale and the role holds. */
  readonly stalenessS: number;
  readonly correction: { readonly maxFactor: number; readonly halfLifeS: number };
  /** The SLO feedback loop (slo-burn.ts). */
  readonly burnRate: {
    readonly enabled: boolean;
    readonly windowS: number;
    readonly maxHeadroom: number;
    readonly raisePerMinute: number;
    readonly halfLifeS: number;
    readonly minRequests: number;
  };
  readonly forecast: {
    readonly method: ForecastMethod;
    readonly horizonS: Readonly<Record<Role, number>>;
    /** `forecast.horizon` was set; otherwise a role with `coldStart: auto` forecasts over its measured cold start. */
    readonly horizonExplicit: boolean;
    readonly alpha: number;
    readonly beta: number;
    /** The forecast never exceeds `maxGrowth x` the smoothed level (bounded extrapolation). */
    readonly maxGrowth: number;
    /** Demand headroom in standard deviations of the one-step forecast error; 0 turns it off. */
    readonly headroomSigmas: number;
    /** Holt restarts from a measurement that misses by more than this many sigmas; 0 never. */
    readonly missResetSigmas: number;
  };
  /** How each role's replicas follow from demand (docs/reference.md §G.3-4). */
  readonly sizing: {
    /** `queueing`: the TTFT quantile of an M/G/c queue at the forecast rate; `throughput`: demand over capacity. */
    readonly prefill: { readonly model: PrefillSizingModel };
    /**
     * `littles-law`: prefill arrivals x decode duration at the target batch, the active count as a
     * cross-check beyond `crossCheckTolerance`; `active-conversations`: the active count itself.
     */
    readonly decode: { readonly model: DecodeSizingModel; readonly crossCheckTolerance: number };
  };
  /** Knative KPA's panic mode (docs/reference.md §D.4), off unless the policy turns it on. */
  readonly panic: {
    readonly enabled: boolean;
    readonly stableWindowS: number;
    readonly panicWindowS: number;
    /** Panic when the panic-window need is at least this multiple of the ready replicas. */
    readonly thresholdRatio: number;
  };
  readonly schedules: readonly ScheduleFloor[];
  readonly customDemand: Readonly<Partial<Record<Role, CompiledExpression>>>;
}

/** One recommendation remembered for the stabilization windows. */
export interface RecommendationSample {
  readonly atMs: EpochMs;
  /** Replicas the load needs at full SLO capacity (the scale-up candidate). */
  readonly up: number;
  /** Replicas the load needs with every survivor under `margin x` capacity (the scale-down candidate). */
  readonly down: number;
}

export interface ForecastState {
  readonly level: number;
  readonly trendPerS: number;
  readonly atMs: EpochMs;
  /** EWMA of the squared one-step forecast error, demand units squared (absent in older states). */
  readonly errorVar?: number;
}

/** The SLO feedback loop's memory (slo-burn.ts): rolling request counts and the headroom they set. */
export interface BurnRateState {
  /** Requests in the rolling window (exponentially weighted), and how many met the SLO. */
  readonly total: number;
  readonly good: number;
  /** Demand headroom factor, 1 (none) to the policy's maxHeadroom. */
  readonly headroom: number;
  readonly atMs: EpochMs;
}

/** Arrival dispersion of prefill's request rate (arrival-dispersion.ts). */
export interface ArrivalStats {
  readonly meanPerS: number;
  /** Half the mean squared difference of consecutive windows' rates, (requests/s)^2. */
  readonly allanVar: number;
  readonly lastRatePerS: number;
  /** The mean window length, seconds. */
  readonly windowS: number;
  readonly atMs: EpochMs;
}

/** The smoothed need a scale-down is judged by (need-smoothing.ts). */
export interface NeedStats {
  readonly mean: number;
  readonly variance: number;
  readonly atMs: EpochMs;
}

/** One period of the burst memory (burst-memory.ts): the highest and lowest scale-down need in it. */
export interface BurstBucket {
  readonly startMs: EpochMs;
  readonly max: number;
  readonly min: number;
}

export interface RoleState {
  readonly desiredReplicas: number;
  readonly lastScaleUpAtMs: EpochMs | undefined;
  readonly lastScaleDownAtMs: EpochMs | undefined;
  readonly samples: readonly RecommendationSample[];
  readonly forecast: ForecastState | undefined;
  /** One-sided latency correction (>= 1) and when it was last updated. */
  readonly correction: { readonly factor: number; readonly atMs: EpochMs };
  /**
   * KPA panic (docs/reference.md §D.4.2): when it began and when a tick last met the threshold.
   * Absent when the role is not panicking, and in states written before panic mode existed.
   */
  readonly panic?: { readonly sinceMs: EpochMs; readonly lastTriggeredMs: EpochMs };
  /** Burst memory (burst-memory.ts); absent when it is off. */
  readonly bursts?: readonly BurstBucket[];
  /** The smoothed need (need-smoothing.ts); absent in states written before it. */
  readonly need?: NeedStats;
  /** Prefill's arrival dispersion (arrival-dispersion.ts); absent without a rate window. */
  readonly arrivals?: ArrivalStats;
  /** The SLO feedback loop (slo-burn.ts); absent when it is off. */
  readonly burnRate?: BurnRateState;
}

/** What the decider remembers between ticks. Plain JSON, so `pdscaler plan --state` can step it. */
export interface DecisionState {
  readonly roles: Readonly<Partial<Record<Role, RoleState>>>;
}

export const BoundRules = [
  'demand',
  'slo-breach',
  'scale-up-window',
  'scale-down-window',
  'scale-down-margin',
  'direction-change',
  'max-step',
  'pending-replicas',
  'stale-metrics',
  'missing-metrics',
  'idle',
  'min-replicas',
  'max-replicas',
  'schedule-floor',
  'ratio-band',
  'gpu-budget',
  'panic',
  'burst-memory',
] as const;
/** The rule that set a role's final number. */
export type BoundRule = (typeof BoundRules)[number];

/** The numbers the decision used for one role, for the explanation and the debug log. */
export interface RoleInputs {
  readonly currentReplicas: number;
  readonly readyReplicas: number | undefined;
  readonly pendingReplicas: number | undefined;
  /** Demand in the role's unit: prefill tokens/s, decode active conversations. */
  readonly measuredDemand: number | undefined;
  readonly forecastDemand: number | undefined;
  /** Seconds ahead the forecast looked (the role's cold start, measured when `coldStart: auto`). */
  readonly horizonS: number;
  readonly demandUnit: string;
  readonly capacityPerReplica: number | undefined;
  readonly neededReplicas: number | undefined;
  readonly observedLatencyMs: number | undefined;
  readonly sloMs: number;
  readonly correctionFactor: number;
  /** The SLO feedback loop's demand headroom factor (1 when off or none) and the burn rate behind it. */
  readonly sloHeadroom: number;
  readonly burnRate: number | undefined;
  readonly notes: readonly string[];
}

export interface RoleDecision {
  readonly role: Role;
  readonly desiredReplicas: number;
  readonly currentReplicas: number;
  /** The demand-based number before hysteresis and the joint limits. */
  readonly rawReplicas: number | undefined;
  readonly boundBy: BoundRule;
  /** Every rule that changed the number, in the order applied. */
  readonly limits: readonly BoundRule[];
  readonly inputs: RoleInputs;
  readonly reason: string;
}

export interface Decision {
  readonly policy: string;
  readonly atMs: EpochMs;
  readonly roles: Readonly<Record<Role, RoleDecision>>;
  readonly gpus: number;
  /** The Ready and desired P/D ratio against the policy's band; absent when the policy has none. */
  readonly ratio?: RatioReport;
}

export interface DecisionResult {
  readonly decision: Decision;
  readonly state: DecisionState;
}
