// SPDX-License-Identifier: Apache-2.0
// Baseline `hpa-queue`: the Kubernetes HPA (autoscaling/v2) as clusters run it today on engine queue
// metrics, one HPA per role, re-implemented from the controller as docs/reference.md §D
// §5 states it (defaults §5.1, External AverageValue formula §5.2, invalid metrics §5.3, stabilization
// and limits §5.4). It is measured to behave badly (docs/reference.md §G.3: waiting requests are 0
// whenever capacity suffices, so it falls to the minimum under load and jumps when a queue forms).
// That is the point of the baseline: keep it faithful, do not improve it.
import type { CapacityModel, Role } from '../../decision/types.js';
import type { RoleMetrics, ScalingInput, SimAutoscaler } from './types.js';

/** One role's HPA: its bounds and the External metric's `target.averageValue`. */
export interface HpaRoleOptions {
  /** `spec.minReplicas`. The backtest never sets 0 (that needs the `HPAScaleToZero` alpha gate). */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Requests per pod: waiting for prefill, running + waiting for decode. */
  readonly targetPerPod: number;
}

export interface HpaQueueOptions {
  readonly roles: Readonly<Record<Role, HpaRoleOptions>>;
  /** `--horizontal-pod-autoscaler-tolerance`, a fraction. @default 0.1 */
  readonly tolerance?: number;
  /** `behavior.scaleUp.stabilizationWindowSeconds`. @default 0 */
  readonly upWindowS?: number;
  /** `behavior.scaleDown.stabilizationWindowSeconds` (the controller flag's 5 m). @default 300 */
  readonly downWindowS?: number;
  /** `--horizontal-pod-autoscaler-sync-period`, seconds. @default 15 */
  readonly syncPeriodS?: number;
}

/** `queueLengthThreshold` of llm-d WVA's saturation analyzer (§3.3): "a queue is building" per pod. */
const PREFILL_WAITING_PER_POD = 5;

/**
 * Targets an operator would defensibly pick. Prefill: 5 waiting requests per pod, llm-d WVA's default
 * queue threshold (§3.3) and a common "a queue is building" rule of thumb. Decode: the batch one replica
 * holds at the TPOT SLO at the expected context (`capacity.decode(context, tpotSloMs).maxBatch`), as an
 * operator who read the profile would set running + waiting per pod.
 */
export function defaultQueueTargets(
  capacity: CapacityModel,
  contextTokens: number,
  tpotSloMs: number,
): Readonly<Record<Role, number>> {
  return { prefill: PREFILL_WAITING_PER_POD, decode: capacity.decode(contextTokens, tpotSloMs).maxBatch };
}

interface Recommendation {
  readonly atMs: number;
  readonly replicas: number;
}

/**
 * The External metric summed over the role's pods (vllm:num_requests_waiting for prefill, running +
 * waiting for decode); undefined when the metric is invalid, as a PromQL sum with a missing series is.
 */
function queueMetric(role: Role, metrics: RoleMetrics | undefined): number | undefined {
  const waiting = metrics?.observation.waitingRequests?.value;
  const sum = role === 'prefill' ? waiting : addKnown(waiting, metrics?.observation.runningRequests?.value);
  return sum !== undefined && Number.isFinite(sum) ? sum : undefined;
}

function addKnown(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a + b;
}

/**
 * Quantity.MilliValue: the controller computes in integer milli-units, so a float sum such as
 * 0.1 + 0.2 against a target of 0.1 asks for 3 pods, not ceil(3.0000000000000004) = 4.
 */
const milli = (x: number): number => Math.round(x * 1000);

/**
 * GetExternalPerPodMetricReplicas (§5.2). Readiness is not consulted; with no pods and no load the
 * ratio is NaN, which is not outside the band, so it proposes the 0 pods it has (as Go does).
 */
export function hpaPerPodReplicas(
  usage: number,
  targetPerPod: number,
  statusReplicas: number,
  tolerance: number,
): number {
  const usageMilli = milli(usage);
  const targetMilli = milli(targetPerPod);
  const ratio = usageMilli / (targetMilli * statusReplicas);
  return Math.abs(1 - ratio) > tolerance ? Math.ceil(usageMilli / targetMilli) : statusReplicas;
}

/**
 * convertDesiredReplicasWithRules: the legacy scale-up limit max(2 x current, 4) of an HPA without
 * rate policies, then the bounds, `minReplicas` winning over the limit.
 */
function limitAndClamp(desired: number, current: number, bounds: HpaRoleOptions): number {
  const maxAllowed = Math.min(bounds.maxReplicas, Math.max(2 * current, 4));
  if (desired < bounds.minReplicas) return bounds.minReplicas;
  return Math.min(desired, maxAllowed);
}

/** One HPA per role, as users deploy one HPA per RoleBasedGroupScalingAdapter. tick() must not overlap. */
export class HpaQueue implements SimAutoscaler {
  readonly name = 'hpa-queue';
  readonly readsMetrics = true;
  readonly intervalS: number;
  private readonly roles: Readonly<Record<Role, HpaRoleOptions>>;
  private readonly tolerance: number;
  private readonly upWindowMs: number;
  private readonly downWindowMs: number;
  private readonly recommendations: Record<Role, Recommendation[]> = { prefill: [], decode: [] };

  constructor(options: HpaQueueOptions) {
    this.roles = options.roles;
    this.tolerance = options.tolerance ?? 0.1;
    this.upWindowMs = (options.upWindowS ?? 0) * 1000;
    this.downWindowMs = (options.downWindowS ?? 300) * 1000;
    this.intervalS = options.syncPeriodS ?? 15;
  }

  tick(input: ScalingInput): Readonly<Record<Role, number>> {
    return { prefill: this.reconcile('prefill', input), decode: this.reconcile('decode', input) };
  }

  /** reconcileAutoscaler for one role; current = `spec.replicas`, the metric uses `status.replicas`. */
  private reconcile(role: Role, input: ScalingInput): number {
    const bounds = this.roles[role];
    const fleet = input.fleet[role];
    const current = fleet.desired;
    if (current === 0 && bounds.minReplicas !== 0) return 0; // ScalingDisabled
    if (current > bounds.maxReplicas) return bounds.maxReplicas;
    if (current < bounds.minReplicas) return bounds.minReplicas;
    const metric = queueMetric(role, input.metrics?.[role]);
    // §5.3: the only metric is invalid, so the HPA errors out and records nothing.
    if (metric === undefined) return current;
    const statusReplicas = fleet.ready + fleet.starting;
    const proposal = hpaPerPodReplicas(metric, bounds.targetPerPod, statusReplicas, this.tolerance);
    return limitAndClamp(this.stabilize(role, current, proposal, input.nowMs), current, bounds);
  }

  /**
   * stabilizeRecommendationWithBehaviors (§5.4 step 1): up to the min of the recommendations in the up
   * window, down to the max of those in the down window. At the defaults (0 s, 300 s) this is the
   * legacy downscale stabilization, except that legacy may lift a scale-up to an older, larger
   * recommendation still in the window; the per-direction form is kept so upWindowS can be set.
   */
  private stabilize(role: Role, current: number, proposal: number, nowMs: number): number {
    const upCutoff = nowMs - this.upWindowMs;
    const downCutoff = nowMs - this.downWindowMs;
    let up = proposal;
    let down = proposal;
    for (const rec of this.recommendations[role]) {
      if (rec.atMs > upCutoff) up = Math.min(up, rec.replicas);
      if (rec.atMs > downCutoff) down = Math.max(down, rec.replicas);
    }
    const oldest = Math.min(upCutoff, downCutoff);
    this.recommendations[role] = [
      ...this.recommendations[role].filter((rec) => rec.atMs > oldest),
      { atMs: nowMs, replicas: proposal },
    ];
    return Math.min(Math.max(current, up), down);
  }
}
