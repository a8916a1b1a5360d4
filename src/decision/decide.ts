// SPDX-License-Identifier: Apache-2.0
// The decider: decide(spec, observation, state, now) -> { decision, state }. Pure and deterministic:
// no I/O, no clock, no randomness (Knative's `Scale(logger, now)`, knative/serving pkg/autoscaler/scaling/autoscaler.go).
import { explainRole } from './explain.js';
import { stabilize, type HysteresisResult } from './hysteresis.js';
import { panicNote, type PanicAssessment } from './panic.js';
import { applyJointLimits, gpusOf, type JointConstraints } from './joint-limits.js';
import { estimateDemand, isFresh, type DemandEstimate } from './role-demand.js';
import { ratioReport } from './ratio-band.js';
import type {
  BoundRule,
  DecisionResult,
  DecisionSpec,
  DecisionState,
  EpochMs,
  Observation,
  Observed,
  Role,
  RoleDecision,
  RoleInputs,
  RoleState,
} from './types.js';
import { Roles } from './types.js';

interface RoleStep {
  readonly current: number;
  readonly proposed: number;
  readonly raw: number | undefined;
  readonly rule: BoundRule;
  /** The role holds on missing or stale data: the joint limits may raise it, never lower it. */
  readonly held: boolean;
  readonly estimate: DemandEstimate;
  readonly next: Omit<RoleState, 'desiredReplicas' | 'lastScaleUpAtMs' | 'lastScaleDownAtMs'>;
  readonly ready: number | undefined;
  readonly pending: number | undefined;
  /** Undefined when panic mode is off or the role held. */
  readonly panic?: PanicAssessment | undefined;
}

/**
 * The replicas the role has now: our last published number, else the scaling adapter's spec, else
 * the ready count, else the policy minimum (first tick with nothing known).
 */
function currentReplicas(
  spec: DecisionSpec,
  observation: Observation,
  previous: RoleState | undefined,
  role: Role,
): number {
  const o = observation.roles[role];
  return (
    previous?.desiredReplicas ??
    o.desiredReplicas?.value ??
    o.readyReplicas?.value ??
    spec.roles[role].minReplicas
  );
}

function pendingReplicas(observation: Observation, role: Role): number | undefined {
  const o = observation.roles[role];
  if (o.pendingReplicas !== undefined) return o.pendingReplicas.value;
  if (o.desiredReplicas !== undefined && o.readyReplicas !== undefined)
    return Math.max(0, o.desiredReplicas.value - o.readyReplicas.value);
  return undefined;
}

/**
 * Unknown is not zero: hold, and forget the window evidence so a return of data starts afresh. A hold
 * with any stale input is `stale-metrics` even when another is missing: it was not decided on fresh
 * data, and the external metrics API and KEDA answer only such a hold as unavailable
 * (serving/metric-values.ts); a hold on fresh but incomplete data is `missing-metrics`.
 */
function heldStep(
  spec: DecisionSpec,
  previous: RoleState | undefined,
  base: Pick<RoleStep, 'current' | 'estimate' | 'ready' | 'pending'>,
): RoleStep {
  const { estimate } = base;
  const rule: BoundRule = estimate.stale.length > 0 ? 'stale-metrics' : 'missing-metrics';
  // A hold keeps panic running (it still ends a stable window after its last burst) and every other
  // memory: unknown demand is no evidence that bursts stopped or the SLO recovered.
  const next = withMemories(
    { samples: [], forecast: previous?.forecast, correction: estimate.nextCorrection },
    {
      panic: spec.panic.enabled ? previous?.panic : undefined,
      bursts: previous?.bursts,
      burnRate: estimate.nextBurnRate,
      need: previous?.need,
      arrivals: previous?.arrivals,
    },
  );
  return { ...base, proposed: base.current, raw: undefined, rule, held: true, next };
}

/** KPA compares the panic need with ready pods; an unknown or stale count reads as what we asked for. */
function panicReadyReplicas(
  spec: DecisionSpec,
  nowMs: EpochMs,
  ready: Observed<number> | undefined,
  current: number,
): number {
  return ready !== undefined && isFresh(spec, nowMs, ready) ? ready.value : current;
}

/** What a role remembers after a tick that sized it: each optional part only when it has one. */
function nextMemory(estimate: DemandEstimate, stabilized: HysteresisResult): RoleStep['next'] {
  return withMemories(
    { samples: stabilized.samples, forecast: estimate.nextForecast, correction: estimate.nextCorrection },
    {
      panic: stabilized.panic?.state,
      bursts: stabilized.bursts.length === 0 ? undefined : stabilized.bursts,
      burnRate: estimate.nextBurnRate,
      need: stabilized.need,
      arrivals: estimate.nextArrivals,
    },
  );
}

type Memories = Pick<RoleState, 'panic' | 'bursts' | 'burnRate' | 'need' | 'arrivals'>;

/**
 * `base` with each optional memory that is present. Assigned one by one rather than spread from
 * conditional literals: V8 clones an object for every `...(cond ? {} : { x })`, and the six of them
 * per role took a fifth of decide() in `npm run bench`.
 */
function withMemories<T extends object>(
  base: T,
  memories: { readonly [K in keyof Memories]-?: Memories[K] | undefined },
): T & Memories {
  const out: T & { -readonly [K in keyof Memories]?: Memories[K] } = base;
  if (memories.panic !== undefined) out.panic = memories.panic;
  if (memories.bursts !== undefined) out.bursts = memories.bursts;
  if (memories.burnRate !== undefined) out.burnRate = memories.burnRate;
  if (memories.need !== undefined) out.need = memories.need;
  if (memories.arrivals !== undefined) out.arrivals = memories.arrivals;
  return out;
}

function stepRole(
  spec: DecisionSpec,
  observation: Observation,
  state: DecisionState,
  at: { readonly role: Role; readonly nowMs: EpochMs; readonly prefillReplicas?: number },
): RoleStep {
  const { role, nowMs } = at;
  const previous = state.roles[role];
  const current = currentReplicas(spec, observation, previous, role);
  const estimate = estimateDemand(
    { spec, observation, previous, nowMs, prefillReplicas: at.prefillReplicas },
    role,
  );
  const ready = observation.roles[role].readyReplicas;
  const pending = pendingReplicas(observation, role);
  if (estimate.needed === undefined)
    return heldStep(spec, previous, { current, estimate, ready: ready?.value, pending });
  const stabilized = stabilize({
    spec,
    nowMs,
    currentReplicas: current,
    needed: estimate.needed,
    breach: estimate.breach,
    // Pending pods known only from a stale count do not block a scale-up.
    pendingReplicas:
      pending !== undefined && isFresh(spec, nowMs, observation.roles[role].pendingReplicas ?? ready)
        ? pending
        : 0,
    samples: previous?.samples ?? [],
    lastScaleUpAtMs: previous?.lastScaleUpAtMs,
    readyReplicas: panicReadyReplicas(spec, nowMs, ready, current),
    panic: previous?.panic,
    bursts: previous?.bursts ?? [],
    need: previous?.need,
  });
  const next = nextMemory(estimate, stabilized);
  return {
    current,
    estimate,
    ready: ready?.value,
    pending,
    proposed: stabilized.replicas,
    raw: stabilized.rawReplicas,
    rule: stabilized.rule,
    held: false,
    next,
    panic: stabilized.panic,
  };
}

/**
 * Per-role bounds for the joint limits: the policy's and schedule floors; a held role never below its
 * count; and, while the joint floor fits the GPU budget, a role raised within its scale-down window
 * not below its count either. Under a binding budget a scale-up of one role otherwise takes replicas
 * from the other, which raises itself back on its next noisy window: on a 30-GPU budget that turned
 * into 5 direction changes per role in 10 minutes. Only the joint limits are held back: a role's own
 * hysteresis never scales down inside that window anyway.
 */
function boundsFor(
  spec: DecisionSpec,
  steps: Readonly<Record<Role, RoleStep>>,
  at: { readonly state: DecisionState; readonly nowMs: EpochMs },
): Record<Role, { lo: number; hi: number }> {
  const { state, nowMs } = at;
  const raisedLately = (role: Role): boolean => {
    const upAtMs = state.roles[role]?.lastScaleUpAtMs;
    return upAtMs !== undefined && nowMs - upAtMs < spec.scaleDown.windowS * 1000;
  };
  const boundsOf = (keepRaised: boolean) =>
    Object.fromEntries(
      Roles.map((role) => {
        const floor = Math.max(spec.roles[role].minReplicas, scheduleFloor(spec, role, nowMs));
        const hi = spec.roles[role].maxReplicas;
        const step = steps[role];
        const keep = step.held || (keepRaised && raisedLately(role));
        const lo = keep ? Math.max(floor, Math.min(step.current, hi)) : floor;
        return [role, { lo: Math.min(lo, hi), hi }];
      }),
    ) as Record<Role, { lo: number; hi: number }>;
  const kept = boundsOf(true);
  const max = spec.gpuBudget.max;
  const floorGpus = Roles.reduce((sum, role) => sum + kept[role].lo * spec.roles[role].gpusPerReplica, 0);
  return max === undefined || floorGpus <= max ? kept : boundsOf(false);
}

function constraintsFor(
  spec: DecisionSpec,
  steps: Readonly<Record<Role, RoleStep>>,
  at: { readonly state: DecisionState; readonly nowMs: EpochMs },
): JointConstraints {
  const bounds = boundsFor(spec, steps, at);
  const prefillShare = steps.prefill.estimate.sloShareAt;
  const decodeShare = steps.decode.estimate.sloShareAt;
  return {
    bounds,
    ratio: spec.ratio,
    gpuBudget: spec.gpuBudget,
    gpus: { prefill: spec.roles.prefill.gpusPerReplica, decode: spec.roles.decode.gpusPerReplica },
    current: { prefill: steps.prefill.current, decode: steps.decode.current },
    // A budget is shared by SLO benefit only when both roles know theirs (a held role has no curve).
    ...(prefillShare === undefined || decodeShare === undefined
      ? {}
      : { sloShare: { prefill: prefillShare, decode: decodeShare } }),
  };
}

/** The highest schedule floor active now for a role (0 when none). */
function scheduleFloor(spec: DecisionSpec, role: Role, nowMs: EpochMs): number {
  let floor = 0;
  for (const schedule of spec.schedules) {
    const min = schedule.minReplicas[role];
    if (min !== undefined && min > floor && schedule.isActive(nowMs)) floor = min;
  }
  return floor;
}

function boundRuleFor(spec: DecisionSpec, nowMs: EpochMs, steps: Readonly<Record<Role, RoleStep>>) {
  return (role: Role, before: number): BoundRule => {
    if (before > spec.roles[role].maxReplicas) return 'max-replicas';
    if (steps[role].held && before === steps[role].current) return steps[role].rule;
    return scheduleFloor(spec, role, nowMs) > spec.roles[role].minReplicas
      ? 'schedule-floor'
      : 'min-replicas';
  };
}

function inputsOf(spec: DecisionSpec, step: RoleStep, nowMs: EpochMs): RoleInputs {
  const e = step.estimate;
  const panic = step.panic?.state === undefined ? [] : [panicNote(spec.panic, step.panic, nowMs)];
  return {
    currentReplicas: step.current,
    readyReplicas: step.ready,
    pendingReplicas: step.pending,
    measuredDemand: e.measured,
    forecastDemand: e.forecast,
    horizonS: e.horizonS,
    demandUnit: e.unit,
    capacityPerReplica: e.capacityPerReplica,
    neededReplicas: e.needed,
    observedLatencyMs: e.observedLatencyMs,
    sloMs: e.sloMs,
    correctionFactor: step.next.correction.factor,
    sloHeadroom: e.sloHeadroom,
    burnRate: e.burnRate,
    notes: [
      ...e.notes,
      ...panic,
      ...e.missing.map((f) => `missing: ${f}`),
      ...e.stale.map((f) => `stale: ${f}`),
    ],
  };
}

function nextRoleState(
  step: RoleStep,
  previous: RoleState | undefined,
  desired: number,
  nowMs: EpochMs,
): RoleState {
  return withMemories(
    {
      samples: step.next.samples,
      forecast: step.next.forecast,
      correction: step.next.correction,
      desiredReplicas: desired,
      lastScaleUpAtMs: desired > step.current ? nowMs : previous?.lastScaleUpAtMs,
      lastScaleDownAtMs: desired < step.current ? nowMs : previous?.lastScaleDownAtMs,
    },
    {
      panic: step.next.panic,
      bursts: step.next.bursts,
      burnRate: step.next.burnRate,
      need: step.next.need,
      arrivals: step.next.arrivals,
    },
  );
}

/**
 * Decides desired replicas for both roles of one policy at time `nowMs`.
 * pre: `spec` is compiled (bounds feasible); `state` is what the previous call returned (or empty).
 */
export function decide(
  spec: DecisionSpec,
  observation: Observation,
  state: DecisionState,
  nowMs: EpochMs,
): DecisionResult {
  const prefill = stepRole(spec, observation, state, { role: 'prefill', nowMs });
  // Decode is sized for what prefill can hand over with the replicas it is about to have.
  const prefillReplicas = Math.min(
    spec.roles.prefill.maxReplicas,
    Math.max(prefill.proposed, spec.roles.prefill.minReplicas),
  );
  const steps = {
    prefill,
    decode: stepRole(spec, observation, state, { role: 'decode', nowMs, prefillReplicas }),
  };
  const constraints = constraintsFor(spec, steps, { state, nowMs });
  const joint = applyJointLimits(
    constraints,
    { prefill: steps.prefill.proposed, decode: steps.decode.proposed },
    boundRuleFor(spec, nowMs, steps),
  );
  const roles = {} as Record<Role, RoleDecision>;
  const nextRoles: Partial<Record<Role, RoleState>> = {};
  for (const role of Roles) {
    const step = steps[role];
    const desired = joint.pair[role];
    const limits = [step.rule, ...joint.rules[role]];
    const boundBy = limits[limits.length - 1] ?? step.rule;
    const inputs = inputsOf(spec, step, nowMs);
    const summary = { role, desiredReplicas: desired, currentReplicas: step.current, boundBy, inputs };
    const reason = explainRole(spec, summary, joint);
    roles[role] = {
      role,
      desiredReplicas: desired,
      currentReplicas: step.current,
      rawReplicas: step.raw,
      boundBy,
      limits,
      inputs,
      reason,
    };
    nextRoles[role] = nextRoleState(step, state.roles[role], desired, nowMs);
  }
  const ratio = ratioReport(spec, { prefill: steps.prefill.ready, decode: steps.decode.ready }, joint.pair);
  return {
    decision: {
      policy: `${spec.namespace}/${spec.name}`,
      atMs: nowMs,
      roles,
      gpus: gpusOf(constraints, joint.pair),
      ...(ratio === undefined ? {} : { ratio }),
    },
    state: { roles: nextRoles },
  };
}
