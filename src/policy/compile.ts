// SPDX-License-Identifier: Apache-2.0
// Validated document -> frozen DecisionSpec: defaults merged, durations in seconds, expressions and
// cron compiled, capacity model built, and every cross-field rule checked (Knative's MakeDecider plus
// kubernetes-sigs/prometheus-adapter pkg/naming/metric_namer.go NamersFromConfig; knative/serving pkg/autoscaler/config/config.go). All problems are collected.
import { quantileFraction } from '../decision/histogram-quantile.js';
import { explicitCapacity, profileCapacity, type ProfileData } from '../decision/profile-capacity.js';
import { searchFeasible, type JointConstraints } from '../decision/joint-limits.js';
import { SignalNames } from '../decision/signals.js';
import type {
  CapacityModel,
  CompiledExpression,
  DecisionSpec,
  Role,
  RoleSpec,
  ScheduleFloor,
} from '../decision/types.js';
import { Roles } from '../decision/types.js';
import { policyDefaults as d } from './defaults.js';
import { parseDurationS } from './durations.js';
import { compileExpression } from './expressions.js';
import type { PathIssue } from './schema-issues.js';
import type { PolicyDocument } from './schema.js';
import { compileSchedule } from './schedules.js';

/** Finds a profile by name or file; returns a message when it cannot. */
export type ProfileResolver = (ref: {
  readonly name?: string;
  readonly file?: string;
}) => { ok: true; profile: ProfileData } | { ok: false; message: string };

type Spec = PolicyDocument['spec'];

/** `spec.gpuBudget.sharing` when unset: a binding budget is shared by marginal SLO benefit. */

function seconds(text: string | undefined, fallback: number): number {
  return text === undefined ? fallback : parseDurationS(text);
}

function roleSpec(spec: Spec, role: Role): RoleSpec {
  const r = spec.roles[role];
  return {
    roleName: r.roleName ?? role,
    gpusPerReplica: r.gpusPerReplica ?? d.gpusPerReplica,
    minReplicas: r.minReplicas ?? d.minReplicas,
    maxReplicas: r.maxReplicas,
    coldStartS:
      r.coldStart === undefined || r.coldStart === 'auto' ? d.coldStartS : parseDurationS(r.coldStart),
    coldStartAuto: r.coldStart === 'auto',
  };
}

function boundIssues(spec: Spec, roles: Record<Role, RoleSpec>): PathIssue[] {
  const issues: PathIssue[] = [];
  for (const role of Roles) {
    const r = roles[role];
    if (r.minReplicas > r.maxReplicas && r.maxReplicas > 0) {
      issues.push({
        path: ['spec', 'roles', role, 'maxReplicas'],
        at: 'value',
        message: `spec.roles.${role}.maxReplicas = ${r.maxReplicas}, must be >= minReplicas (${r.minReplicas})`,
      });
    }
    if (r.minReplicas === 0 && spec.scaleToZero !== true) {
      const path =
        spec.roles[role].minReplicas === undefined
          ? ['spec', 'roles', role]
          : ['spec', 'roles', role, 'minReplicas'];
      issues.push({
        path,
        at: 'value',
        message: `spec.roles.${role}.minReplicas = 0, must be >= 1 unless spec.scaleToZero is true`,
      });
    }
    if (r.maxReplicas === 0) {
      issues.push({
        path: ['spec', 'roles', role, 'maxReplicas'],
        at: 'value',
        message: `spec.roles.${role}.maxReplicas = 0, must be >= 1`,
      });
    }
  }
  if (spec.ratio !== undefined && spec.ratio.minRatio > spec.ratio.maxRatio) {
    issues.push({
      path: ['spec', 'ratio', 'maxRatio'],
      at: 'value',
      message: `spec.ratio.maxRatio = ${spec.ratio.maxRatio}, must be >= minRatio (${spec.ratio.minRatio})`,
    });
  }
  const budget = spec.gpuBudget;
  if (budget?.min !== undefined && budget.max !== undefined && budget.min > budget.max) {
    issues.push({
      path: ['spec', 'gpuBudget', 'max'],
      at: 'value',
      message: `spec.gpuBudget.max = ${budget.max}, must be >= spec.gpuBudget.min (${budget.min})`,
    });
  }
  return issues;
}

function constraints(spec: DecisionSpec, floors: ScheduleFloor['minReplicas'] = {}): JointConstraints {
  const bound = (role: Role) => ({
    lo: Math.max(spec.roles[role].minReplicas, floors[role] ?? 0),
    hi: spec.roles[role].maxReplicas,
  });
  return {
    bounds: { prefill: bound('prefill'), decode: bound('decode') },
    ratio: spec.ratio,
    gpuBudget: spec.gpuBudget,
    gpus: { prefill: spec.roles.prefill.gpusPerReplica, decode: spec.roles.decode.gpusPerReplica },
  };
}

/**
 * Is there any (prefill, decode) pair inside bounds, ratio band and budget? The issue says which limit
 * leaves none. `context` names a schedule whose floors are in force, for the message and position.
 */
function feasibilityIssues(
  spec: DecisionSpec,
  floors: ScheduleFloor['minReplicas'],
  context?: { readonly path: readonly (string | number)[]; readonly label: string },
): PathIssue[] {
  const c = constraints(spec, floors);
  const lowest = { prefill: c.bounds.prefill.lo, decode: c.bounds.decode.lo };
  if (searchFeasible(c, lowest) !== undefined) return [];
  const prefix = context === undefined ? '' : `with ${context.label} active, `;
  const issue = (path: readonly (string | number)[], message: string): PathIssue[] => [
    { path: context?.path ?? path, at: 'value', message: prefix + message },
  ];
  const minGpus = lowest.prefill * c.gpus.prefill + lowest.decode * c.gpus.decode;
  if (spec.gpuBudget.max !== undefined && minGpus > spec.gpuBudget.max) {
    return issue(
      ['spec', 'gpuBudget', 'max'],
      `spec.gpuBudget.max = ${spec.gpuBudget.max}, must be >= the ${minGpus} GPUs of the minimum replicas (${lowest.prefill} prefill x ${c.gpus.prefill} + ${lowest.decode} decode x ${c.gpus.decode})`,
    );
  }
  const withoutBudget = searchFeasible({ ...c, gpuBudget: { min: undefined, max: undefined } }, lowest);
  if (withoutBudget === undefined && spec.ratio !== undefined) {
    return issue(
      ['spec', 'ratio'],
      `spec.ratio [${spec.ratio.min}, ${spec.ratio.max}] admits no prefill/decode pair within the role bounds (prefill ${c.bounds.prefill.lo}..${c.bounds.prefill.hi}, decode ${c.bounds.decode.lo}..${c.bounds.decode.hi})`,
    );
  }
  return issue(
    ['spec', 'gpuBudget'],
    `spec.gpuBudget [${spec.gpuBudget.min ?? 0}, ${spec.gpuBudget.max ?? 'unbounded'}] GPUs admits no prefill/decode pair within the role bounds and ratio band`,
  );
}

function capacityModel(
  spec: Spec,
  roles: Record<Role, RoleSpec>,
  resolve: ProfileResolver,
): { model?: CapacityModel; issues: PathIssue[] } {
  const c = spec.capacity;
  const given = (['profile', 'profileFile', 'explicit'] as const).filter((k) => c[k] !== undefined);
  if (given.length !== 1) {
    return {
      issues: [
        {
          path: ['spec', 'capacity'],
          at: 'value',
          message: `spec.capacity must set exactly one of profile, profileFile, explicit (found ${given.length === 0 ? 'none' : given.join(', ')})`,
        },
      ],
    };
  }
  if (c.explicit !== undefined) return { model: explicitCapacity(c.explicit), issues: [] };
  const key = c.profile !== undefined ? 'profile' : 'profileFile';
  const resolved = resolve(c.profile !== undefined ? { name: c.profile } : { file: c.profileFile ?? '' });
  if (!resolved.ok)
    return {
      issues: [
        { path: ['spec', 'capacity', key], at: 'value', message: `spec.capacity.${key} ${resolved.message}` },
      ],
    };
  const profile = resolved.profile;
  const issues: PathIssue[] = [];
  for (const [role, tp] of [
    ['prefill', profile.prefillTp],
    ['decode', profile.decodeTp],
  ] as const) {
    if (roles[role].gpusPerReplica !== tp) {
      issues.push({
        path: ['spec', 'roles', role, 'gpusPerReplica'],
        at: 'value',
        message: `spec.roles.${role}.gpusPerReplica = ${roles[role].gpusPerReplica}, must equal the TP${tp} the profile ${profile.name} measured ${role} at (or use spec.capacity.explicit)`,
      });
    }
  }
  const model = profileCapacity(
    profile,
    { prefill: roles.prefill.gpusPerReplica, decode: roles.decode.gpusPerReplica },
    c.maxBatch,
  );
  return { model, issues };
}

function schedules(spec: Spec): { floors: ScheduleFloor[]; issues: PathIssue[] } {
  const floors: ScheduleFloor[] = [];
  const issues: PathIssue[] = [];
  (spec.schedules ?? []).forEach((s, i) => {
    const compiled = compileSchedule(s.cron, s.timeZone ?? d.timeZone);
    if (!compiled.ok) {
      const value = compiled.field === 'cron' ? s.cron : (s.timeZone ?? '');
      issues.push({
        path: ['spec', 'schedules', i, compiled.field],
        at: 'value',
        message: `spec.schedules[${i}].${compiled.field} = ${JSON.stringify(value)} ${compiled.message}`,
      });
      return;
    }
    floors.push(
      Object.freeze({ name: s.name, isActive: compiled.isActive, minReplicas: { ...s.minReplicas } }),
    );
  });
  return { floors, issues };
}

function expressions(spec: Spec): {
  compiled: Partial<Record<Role, CompiledExpression>>;
  issues: PathIssue[];
} {
  const compiled: Partial<Record<Role, CompiledExpression>> = {};
  const issues: PathIssue[] = [];
  for (const role of Roles) {
    const source = spec.expressions?.[role];
    if (source === undefined) continue;
    const result = compileExpression(source, SignalNames);
    if (result.ok) compiled[role] = result.expression;
    else
      issues.push({
        path: ['spec', 'expressions', role],
        at: 'value',
        message: `spec.expressions.${role} ${result.message}`,
      });
  }
  return { compiled, issues };
}

function scheduleFloorIssues(spec: DecisionSpec, doc: Spec): PathIssue[] {
  return (doc.schedules ?? []).flatMap((s, i) => {
    const where = ['spec', 'schedules', i, 'minReplicas'];
    const over = Roles.filter((role) => (s.minReplicas[role] ?? 0) > spec.roles[role].maxReplicas);
    if (over.length > 0) {
      return over.map((role) => ({
        path: [...where, role],
        at: 'value' as const,
        message: `spec.schedules[${i}].minReplicas.${role} = ${s.minReplicas[role] ?? 0}, must be <= spec.roles.${role}.maxReplicas (${spec.roles[role].maxReplicas})`,
      }));
    }
    return feasibilityIssues(spec, s.minReplicas, { path: where, label: `spec.schedules[${i}] (${s.name})` });
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Stands in while a capacity issue is reported; a spec with issues is never returned. */
const placeholderCapacity = explicitCapacity({
  prefillTokensPerSecondPerReplica: 1,
  decodeMaxBatchPerReplica: 1,
  decodeItlAtMaxBatchMs: 1,
});

function sloSpec(slo: Spec['slo']): DecisionSpec['slo'] {
  return {
    quantile: slo.quantile ?? d.quantile,
    ttftMs: slo.ttftMs,
    tpotMs: slo.tpotMs,
    breachFactor: slo.breachFactor ?? d.breachFactor,
    excludeUnattainable: slo.excludeUnattainable ?? d.excludeUnattainable,
    maxRequestRatePerPrefillReplica: slo.maxRequestRatePerPrefillReplica,
    maxActiveConversationsPerDecodeReplica: slo.maxActiveConversationsPerDecodeReplica,
  };
}

type BehaviorDoc = NonNullable<Spec['behavior']>;

function stepSpec(
  step: BehaviorDoc['scaleUp'],
  defaults: { windowS: number; maxStepReplicas: number; maxStepPercent: number },
): DecisionSpec['scaleUp'] {
  return {
    windowS: seconds(step?.stabilizationWindow, defaults.windowS),
    maxStepReplicas: step?.maxStepReplicas ?? defaults.maxStepReplicas,
    maxStepPercent: step?.maxStepPercent ?? defaults.maxStepPercent,
  };
}

function burnRateSpec(
  r: NonNullable<BehaviorDoc['burnRate']>,
  quantile: DecisionSpec['slo']['quantile'],
): DecisionSpec['burnRate'] {
  return {
    enabled: r.enabled ?? d.burnRateEnabled,
    windowS: seconds(r.window, d.burnRateWindowS),
    maxHeadroom: r.maxHeadroom ?? d.burnRateMaxHeadroom,
    raisePerMinute: r.raisePerMinute ?? d.burnRateRaisePerMinute,
    halfLifeS: seconds(r.halfLife, d.burnRateHalfLifeS),
    minRequests: Math.ceil(
      (r.minBudgetErrors ?? d.burnRateMinBudgetErrors) / (1 - quantileFraction(quantile)) - 1e-9,
    ),
  };
}

function behaviorSpec(
  b: BehaviorDoc,
  quantile: DecisionSpec['slo']['quantile'],
): Pick<DecisionSpec, 'scaleUp' | 'scaleDown' | 'stalenessS' | 'correction' | 'panic' | 'burnRate'> {
  const up = {
    windowS: d.scaleUpWindowS,
    maxStepReplicas: d.scaleUpStepReplicas,
    maxStepPercent: d.scaleUpStepPercent,
  };
  const down = {
    windowS: d.scaleDownWindowS,
    maxStepReplicas: d.scaleDownStepReplicas,
    maxStepPercent: d.scaleDownStepPercent,
  };
  return {
    scaleUp: stepSpec(b.scaleUp, up),
    scaleDown: {
      ...stepSpec(b.scaleDown, down),
      margin: b.scaleDown?.margin ?? d.scaleDownMargin,
      burstMemoryS: seconds(b.scaleDown?.burstMemory, d.scaleDownBurstMemoryS),
      smoothingS: seconds(b.scaleDown?.smoothing, d.scaleDownSmoothingS),
    },
    stalenessS: seconds(b.staleAfter, d.staleAfterS),
    correction: {
      maxFactor: b.correction?.maxFactor ?? d.correctionMaxFactor,
      halfLifeS: seconds(b.correction?.halfLife, d.correctionHalfLifeS),
    },
    panic: panicSpec(b.panic ?? {}),
    burnRate: burnRateSpec(b.burnRate ?? {}, quantile),
  };
}

function panicSpec(p: NonNullable<BehaviorDoc['panic']>): DecisionSpec['panic'] {
  const stableWindowS = seconds(p.stableWindow, d.panicStableWindowS);
  return {
    enabled: p.enabled ?? d.panicEnabled,
    stableWindowS,
    panicWindowS: (stableWindowS * (p.panicWindowPercentage ?? d.panicWindowPercentage)) / 100,
    thresholdRatio: (p.panicThresholdPercentage ?? d.panicThresholdPercentage) / 100,
  };
}

function forecastSpec(
  f: NonNullable<Spec['forecast']>,
  roles: Record<Role, RoleSpec>,
): DecisionSpec['forecast'] {
  return {
    method: f.method ?? d.forecastMethod,
    // The horizon defaults to each role's cold start: demand must be met when a new replica is Ready.
    horizonS: {
      prefill: seconds(f.horizon, roles.prefill.coldStartS),
      decode: seconds(f.horizon, roles.decode.coldStartS),
    },
    horizonExplicit: f.horizon !== undefined,
    alpha: f.alpha ?? d.forecastAlpha,
    beta: f.beta ?? d.forecastBeta,
    maxGrowth: f.maxGrowth ?? d.forecastMaxGrowth,
    headroomSigmas: f.headroomSigmas ?? d.forecastHeadroomSigmas,
    missResetSigmas: f.missResetSigmas ?? d.forecastMissResetSigmas,
  };
}

function gpuBudgetSpec(b: NonNullable<Spec['gpuBudget']>): DecisionSpec['gpuBudget'] {
  return { min: b.min, max: b.max, sharing: b.sharing ?? d.gpuBudgetSharing };
}

function sizingSpec(z: NonNullable<PolicyDocument['spec']['sizing']>): DecisionSpec['sizing'] {
  return {
    prefill: { model: z.prefill?.model ?? d.prefillSizingModel },
    decode: {
      model: z.decode?.model ?? d.decodeSizingModel,
      crossCheckTolerance: z.decode?.crossCheckTolerance ?? d.decodeCrossCheckTolerance,
    },
  };
}

/** Compiles a schema-valid document, or returns every semantic issue. */
export function compilePolicy(
  doc: PolicyDocument,
  resolve: ProfileResolver,
): { spec?: DecisionSpec; issues: PathIssue[] } {
  const s = doc.spec;
  const roles = { prefill: roleSpec(s, 'prefill'), decode: roleSpec(s, 'decode') };
  const capacity = capacityModel(s, roles, resolve);
  const scheduled = schedules(s);
  const custom = expressions(s);
  const issues = [...boundIssues(s, roles), ...capacity.issues, ...scheduled.issues, ...custom.issues];
  const spec: DecisionSpec = {
    name: doc.metadata.name,
    namespace: s.target.namespace ?? doc.metadata.namespace ?? d.namespace,
    rbgName: s.target.rbg,
    roles,
    scaleToZero: s.scaleToZero ?? false,
    slo: sloSpec(s.slo),
    capacity: capacity.model ?? placeholderCapacity,
    ratio:
      s.ratio === undefined
        ? undefined
        : { min: s.ratio.minRatio, max: s.ratio.maxRatio, basis: s.ratio.basis ?? d.ratioBasis },
    gpuBudget: gpuBudgetSpec(s.gpuBudget ?? {}),
    ...behaviorSpec(s.behavior ?? {}, s.slo.quantile ?? d.quantile),
    forecast: forecastSpec(s.forecast ?? {}, roles),
    sizing: sizingSpec(s.sizing ?? {}),
    schedules: scheduled.floors,
    customDemand: custom.compiled,
  };
  // Joint feasibility only means something once the bounds themselves are sane.
  if (issues.length === 0) issues.push(...feasibilityIssues(spec, {}));
  // Schedules are checked against limits that are feasible on their own, so one problem is one issue.
  if (issues.length === 0) issues.push(...scheduleFloorIssues(spec, s));
  return issues.length > 0 ? { issues } : { spec: deepFreeze(spec), issues };
}
