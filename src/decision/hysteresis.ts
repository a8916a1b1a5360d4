// SPDX-License-Identifier: Apache-2.0
// Per-role hysteresis: scale up after the up window (at once on a clear SLO breach), scale down only
// when the survivors are predicted to stay under `margin x` their SLO capacity for the whole down
// window (the N/(N-1) consolidation check of ai-dynamo/dynamo PR #9294), never while replicas are
// pending for a scale-up, and by at most a step per tick. Windows follow Kubernetes HPA semantics
// (docs/reference.md §D.5.4): up takes the minimum recommendation over its window,
// down the maximum over its window, so a single spike or dip moves nothing. With `panic.enabled`, a
// panicking role (panic.ts) follows KPA instead: up to the panic need at once, never down.
import { recordBurst, recurringBurstLevel } from './burst-memory.js';
import { scaleDownNeed, smoothNeed } from './need-smoothing.js';
import { assessPanic, type PanicAssessment, type PanicState } from './panic.js';
import type {
  BoundRule,
  BurstBucket,
  DecisionSpec,
  EpochMs,
  NeedStats,
  RecommendationSample,
  StepLimit,
} from './types.js';

/** Rounds up, ignoring float dust: 3.0000000001 replicas is 3, not 4. */
function ceilReplicas(x: number): number {
  return Math.max(0, Math.ceil(x - 1e-9));
}

export interface HysteresisInput {
  readonly spec: DecisionSpec;
  readonly nowMs: EpochMs;
  readonly currentReplicas: number;
  readonly needed: number;
  readonly breach: boolean;
  readonly pendingReplicas: number;
  readonly samples: readonly RecommendationSample[];
  readonly lastScaleUpAtMs: EpochMs | undefined;
  /** Ready replicas for the panic threshold (the current count when not known fresh). */
  readonly readyReplicas: number;
  readonly panic: PanicState | undefined;
  /** The burst memory so far (burst-memory.ts). */
  readonly bursts: readonly BurstBucket[];
  /** The smoothed need so far (need-smoothing.ts). */
  readonly need: NeedStats | undefined;
}

export interface HysteresisResult {
  readonly replicas: number;
  readonly rawReplicas: number;
  readonly rule: BoundRule;
  readonly samples: readonly RecommendationSample[];
  /** Undefined when panic mode is off. */
  readonly panic: PanicAssessment | undefined;
  /** The burst memory to remember; empty when it is off. */
  readonly bursts: readonly BurstBucket[];
  readonly need: NeedStats;
}

type Step = Omit<HysteresisResult, 'samples' | 'rawReplicas' | 'panic' | 'bursts' | 'need'>;

/**
 * Appends this tick's sample and keeps those inside the longest window plus the newest one before it
 * (proof of coverage). pre: `samples` are in time order, as this function returns them.
 */
function retain(
  samples: readonly RecommendationSample[],
  sample: RecommendationSample,
  windowMs: number,
): RecommendationSample[] {
  let first = 0;
  while (first + 1 < samples.length && (samples[first + 1]?.atMs ?? Infinity) <= sample.atMs - windowMs)
    first++;
  let end = samples.length;
  while (end > first && (samples[end - 1]?.atMs ?? 0) >= sample.atMs) end--; // a replayed or older tick
  const kept = samples.slice(first, end);
  kept.push(sample);
  return kept;
}

/**
 * The smallest `up` or largest `down` recommendation over the window [now - W, now], or undefined
 * when the evidence is shorter than W. The newest sample at or before the window start still speaks
 * for the window's first instant (samples hold until the next one).
 */
function windowExtreme(
  samples: readonly RecommendationSample[],
  nowMs: EpochMs,
  windowS: number,
  pick: 'min-up' | 'max-down',
): number | undefined {
  const startMs = nowMs - windowS * 1000;
  const first = samples[0];
  if (windowS > 0 && (first === undefined || first.atMs > startMs)) return undefined;
  let extreme = pick === 'min-up' ? Infinity : -Infinity;
  for (let i = samples.length - 1; i >= 0; i--) {
    const sample = samples[i];
    if (sample === undefined) break;
    extreme = pick === 'min-up' ? Math.min(extreme, sample.up) : Math.max(extreme, sample.down);
    if (sample.atMs <= startMs) break;
  }
  return Number.isFinite(extreme) ? extreme : undefined;
}

function stepUp(limit: StepLimit, current: number): number {
  return current + Math.max(limit.maxStepReplicas, Math.ceil((current * limit.maxStepPercent) / 100));
}

function stepDown(limit: StepLimit, current: number): number {
  return current - Math.max(limit.maxStepReplicas, Math.floor((current * limit.maxStepPercent) / 100));
}

function scaleUp(input: HysteresisInput, samples: readonly RecommendationSample[], up: number): Step {
  const { spec, currentReplicas: current } = input;
  if (input.pendingReplicas > 0) return { replicas: current, rule: 'pending-replicas' };
  let target = up;
  let rule: BoundRule = 'slo-breach';
  if (!input.breach) {
    target = windowExtreme(samples, input.nowMs, spec.scaleUp.windowS, 'min-up') ?? current;
    rule = 'demand';
    if (target <= current) return { replicas: current, rule: 'scale-up-window' };
  }
  const limit = stepUp(spec.scaleUp, current);
  return target > limit ? { replicas: limit, rule: 'max-step' } : { replicas: target, rule };
}

function scaleDown(
  input: HysteresisInput,
  samples: readonly RecommendationSample[],
  recurringBurst: number,
): Step {
  const { spec, currentReplicas: current, nowMs } = input;
  if (input.breach) return { replicas: current, rule: 'slo-breach' };
  if (input.lastScaleUpAtMs !== undefined && nowMs - input.lastScaleUpAtMs < spec.scaleDown.windowS * 1000) {
    return { replicas: current, rule: 'direction-change' };
  }
  const windowed = windowExtreme(samples, nowMs, spec.scaleDown.windowS, 'max-down');
  if (windowed === undefined) return { replicas: current, rule: 'scale-down-window' };
  if (windowed >= current) return { replicas: current, rule: 'scale-down-window' };
  if (recurringBurst >= current) return { replicas: current, rule: 'burst-memory' };
  const target = Math.max(windowed, recurringBurst);
  // Confirmed idle for the whole window: go straight to the floor (dynamo#6985: unknown is not idle,
  // but known zero is).
  if (target === 0) return { replicas: 0, rule: 'idle' };
  const limit = stepDown(spec.scaleDown, current);
  if (target < limit) return { replicas: limit, rule: 'max-step' };
  return { replicas: target, rule: target > windowed ? 'burst-memory' : 'demand' };
}

/**
 * KPA while panicking (docs/reference.md §D.4.2): `max(stable, panic)` need at once and never
 * below the current count. No up window and no pending-replica hold, as in KPA, whose panic count is
 * the whole need, not an increment; the step limit stays, as KPA clamps by its max-scale-up-rate.
 */
function panicScale(input: HysteresisInput, panic: PanicAssessment): Step {
  const current = input.currentReplicas;
  const target = Math.max(panic.panicNeed, panic.stableNeed);
  if (target <= current) return { replicas: current, rule: 'panic' };
  const limit = stepUp(input.spec.scaleUp, current);
  return target > limit ? { replicas: limit, rule: 'max-step' } : { replicas: target, rule: 'panic' };
}

function retainedWindowMs(spec: DecisionSpec): number {
  const panicS = spec.panic.enabled ? Math.max(spec.panic.stableWindowS, spec.panic.panicWindowS) : 0;
  return Math.max(spec.scaleUp.windowS, spec.scaleDown.windowS, panicS) * 1000;
}

/** One role's stabilized replica count for this tick, and the samples to remember. */
export function stabilize(input: HysteresisInput): HysteresisResult {
  const { spec, nowMs, currentReplicas: current } = input;
  const up = ceilReplicas(input.needed);
  const need = smoothNeed(input.need, input.needed, { nowMs, tauS: spec.scaleDown.smoothingS });
  const down = ceilReplicas(scaleDownNeed(need) / spec.scaleDown.margin);
  const samples = retain(input.samples, { atMs: nowMs, up, down }, retainedWindowMs(spec));
  const bursts = recordBurst(input.bursts, down, nowMs, spec.scaleDown.burstMemoryS);
  const panic = spec.panic.enabled
    ? assessPanic({
        spec: spec.panic,
        nowMs,
        samples,
        readyReplicas: input.readyReplicas,
        previous: input.panic,
      })
    : undefined;
  let result: Step;
  if (panic?.state !== undefined) result = panicScale(input, panic);
  else if (up > current) result = scaleUp(input, samples, up);
  else if (down < current)
    result = scaleDown(input, samples, recurringBurstLevel(bursts, spec.scaleDown.burstMemoryS));
  else result = { replicas: current, rule: up < current ? 'scale-down-margin' : 'demand' };
  return { replicas: result.replicas, rule: result.rule, rawReplicas: up, samples, panic, bursts, need };
}
