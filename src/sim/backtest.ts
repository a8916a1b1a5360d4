// SPDX-License-Identifier: Apache-2.0
// One backtest: plan the oracle, then replay the trace through a fresh simulated fleet once per
// system (pdscaler and the baselines), and gather the JSON summary and the report's data. Every
// system starts from the same warm fleet (the oracle's count at time 0, as if the service had been
// running before the trace) and is scored on the same requests against the policy's SLO.
import type { DecisionSpec, Role } from '../decision/types.js';
import { BudgetClamped, clampPairToBudget } from './suite/budget-clamp.js';
import type { FleetOptions } from './fleet/fleet.js';
import { kvTransferMs } from './fleet/kv-transfer.js';
import type { FleetProfile } from './fleet/latency-model.js';
import { findLoadSteps, type LoadStep } from './measures/load-steps.js';
import { oracleDefinition, planOracle, type OraclePlan } from './oracle.js';
import type { RatioBand } from './measures/ratio-deviation.js';
import type { BacktestReportData, BacktestSummary, SystemName } from './result.js';
import { runSystem, type SystemRun } from './run-system.js';
import { BlitzScaleBandsSystem } from './systems/blitzscale-bands.js';
import { DynamoSlaPlanner } from './systems/dynamo-sla.js';
import { HeteroScale, type HeteroScaleOptions } from './systems/heteroscale.js';
import { defaultQueueTargets, HpaQueue } from './systems/hpa-queue.js';
import { PdscalerSystem } from './systems/pdscaler.js';
import { ScheduledFleet, StaticPeak } from './systems/scheduled.js';
import type { SimAutoscaler } from './systems/types.js';
import type { Trace } from './trace/types.js';

/** Simulator settings; every one is printed in the report. */
export interface SimParameters {
  /** Pod creation to Ready per role, seconds (real model loads take 50 to 250 s). */
  readonly coldStartS: Readonly<Record<Role, number>>;
  /** Fleet step, sample period and the shortest system interval, seconds. */
  readonly stepS: number;
  /** vLLM `max_num_batched_tokens` on prefill replicas. */
  readonly prefillBatchTokens: number;
  readonly kvBytesPerToken: number;
  readonly kvGigabytesPerS: number;
  /** Epoch ms of the trace's time 0 (schedules in the policy see this clock). */
  readonly startMs: number;
  /** How long after the last arrival in-flight requests may take to finish. */
  readonly drainLimitS: number;
  readonly modelName: string;
}

/**
 * Defaults: 120 s cold start (real model loads take 50-250 s); 8,192 prompt tokens
 * per prefill batch (vLLM's `max_num_batched_tokens` default for online serving); 128 KiB of KV per
 * token (Llama-3.1-8B: 32 layers x 8 KV heads x 128 dims x K and V x 2 bytes); 50 GB/s between
 * prefill and decode (one 400 Gb/s RDMA NIC); the trace starts on Monday 2026-01-05 00:00 UTC, so
 * business-hours schedules are off unless a day-shaped trace runs long enough to reach them.
 */
export const defaultSimParameters: SimParameters = {
  coldStartS: { prefill: 120, decode: 120 },
  stepS: 15,
  prefillBatchTokens: 8192,
  kvBytesPerToken: 131_072,
  kvGigabytesPerS: 50,
  startMs: Date.UTC(2026, 0, 5, 0, 0, 0),
  drainLimitS: 1800,
  modelName: 'simulated-model',
};

/**
 * Changes to the policy that depend on the oracle's plan (the evaluation suite's budget- and
 * ratio-bound cases): applied to the compiled spec before any system runs, and stated in the report.
 */
export interface SpecAdjustment {
  /** Replaces `gpuBudget.max`; systems that do not know a budget are clamped to it (BudgetClamped). */
  readonly gpuBudgetMax?: number;
  /** Replaces the policy's P/D ratio band (and the band `ratioDeviation` is measured against). */
  readonly ratio?: RatioBand;
  /** How the numbers were derived, for the report. */
  readonly note: string;
}

export interface BacktestInput {
  readonly policy: { readonly name: string; readonly file: string; readonly spec: DecisionSpec };
  readonly profile: FleetProfile;
  readonly trace: Trace;
  readonly systems: readonly SystemName[];
  readonly sim: SimParameters;
  /** Called once the oracle is planned; what it returns replaces parts of the policy for every system. */
  readonly adjustSpec?: (plan: OraclePlan, spec: DecisionSpec) => SpecAdjustment | undefined;
  /** Called with the fraction of the work done, 0..1. */
  readonly onProgress?: (fraction: number) => void;
  /** Clock for the report's `generatedAt` (tests pass a fixed one). */
  readonly now?: () => Date;
}

function meanOf(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function clampToPolicy(spec: DecisionSpec, counts: Readonly<Record<Role, number>>): Record<Role, number> {
  const clamp = (role: Role): number =>
    Math.min(spec.roles[role].maxReplicas, Math.max(spec.roles[role].minReplicas, counts[role]));
  return { prefill: clamp('prefill'), decode: clamp('decode') };
}

/** The trace's mean prompt and output lengths: what an offline stress test is run at. */
function workloadOf(trace: Trace): { meanInputTokens: number; meanOutputTokens: number } {
  return {
    meanInputTokens: meanOf(trace.requests.map((r) => r.inputTokens)),
    meanOutputTokens: meanOf(trace.requests.map((r) => r.outputTokens)),
  };
}

/** KV tokens one decode replica can take in per second over the simulated link. */
function kvTokensPerS(sim: SimParameters): number {
  return (sim.kvGigabytesPerS * 1e9) / sim.kvBytesPerToken;
}

type RoleBounds = Readonly<Record<Role, { readonly minReplicas: number; readonly maxReplicas: number }>>;

/** The policy's bounds as every baseline gets them; a baseline never runs a role at 0. */
function baselineBounds(spec: DecisionSpec): RoleBounds {
  const bounds = (role: Role): { minReplicas: number; maxReplicas: number } => ({
    minReplicas: Math.max(1, spec.roles[role].minReplicas),
    maxReplicas: spec.roles[role].maxReplicas,
  });
  return { prefill: bounds('prefill'), decode: bounds('decode') };
}

/**
 * HeteroScale as the backtest configures it for this policy and trace (the sensitivity report varies
 * its `constants`).
 */
export function heteroScaleOptions(input: Pick<BacktestInput, 'policy' | 'trace'>): HeteroScaleOptions {
  const { spec } = input.policy;
  return {
    capacity: spec.capacity,
    gpus: { prefill: spec.roles.prefill.gpusPerReplica, decode: spec.roles.decode.gpusPerReplica },
    slo: spec.slo,
    workload: workloadOf(input.trace),
    bounds: baselineBounds(spec),
  };
}

/** HeteroScale's offline choice, printed in the report so a reader can check it against the profile. */
function heteroScaleNote(system: HeteroScale): string {
  const r = system.ratio;
  return (
    `fixed P/D ratio ${r.prefill}:${r.decode} chosen offline from the profile at the trace's mean ISL/OSL ` +
    `(per replica: prefill ${r.prefillRequestsPerS.toFixed(2)} req/s within the TTFT SLO, decode ` +
    `${r.decodeRequestsPerS.toFixed(2)} req/s within the TPOT SLO; ${r.requestsPerSPerGpu.toFixed(2)} req/s per GPU)`
  );
}

function systemFor(name: SystemName, input: BacktestInput, plan: OraclePlan): SimAutoscaler {
  const { spec } = input.policy;
  const { stepS } = input.sim;
  const bounds = baselineBounds(spec);
  switch (name) {
    case 'pdscaler':
      return new PdscalerSystem(spec);
    case 'static-peak':
      return new StaticPeak(plan.peak, stepS);
    case 'oracle':
      return new ScheduledFleet(
        'oracle',
        (nowMs) => plan.replicasAt((nowMs - input.sim.startMs) / 1000),
        stepS,
      );
    case 'heteroscale':
      return new HeteroScale(heteroScaleOptions(input));
    case 'blitzscale-bands':
      return new BlitzScaleBandsSystem({
        bounds,
        tokensPrefilledPerSPerReplica: spec.capacity.prefill(
          meanOf(input.trace.requests.map((r) => r.inputTokens)),
        ).tokensPerSecond,
        tokensTransferredPerSPerReplica: kvTokensPerS(input.sim),
      });
    case 'hpa-queue': {
      const workload = workloadOf(input.trace);
      const context = workload.meanInputTokens + workload.meanOutputTokens / 2;
      const targets = defaultQueueTargets(spec.capacity, context, spec.slo.tpotMs);
      return new HpaQueue({
        roles: {
          prefill: { ...bounds.prefill, targetPerPod: targets.prefill },
          decode: { ...bounds.decode, targetPerPod: targets.decode },
        },
      });
    }
    case 'dynamo-sla':
      return new DynamoSlaPlanner({
        capacity: spec.capacity,
        gpus: { prefill: spec.roles.prefill.gpusPerReplica, decode: spec.roles.decode.gpusPerReplica },
        slo: { ttftMs: spec.slo.ttftMs, itlMs: spec.slo.tpotMs },
        maxGpuBudget: spec.gpuBudget.max,
        maxReplicas: { prefill: spec.roles.prefill.maxReplicas, decode: spec.roles.decode.maxReplicas },
      });
  }
}

function initialFor(name: SystemName, spec: DecisionSpec, plan: OraclePlan): Readonly<Record<Role, number>> {
  if (name === 'static-peak') return plan.peak;
  if (name === 'oracle') return plan.replicasAt(0);
  return clampToPolicy(spec, plan.replicasAt(0));
}

function demandSeries(trace: Trace, binS: number): BacktestReportData['demand'] {
  const bins = Math.max(1, Math.ceil(trace.durationS / binS));
  const requests = new Array<number>(bins).fill(0);
  const tokens = new Array<number>(bins).fill(0);
  for (const r of trace.requests) {
    const i = Math.min(bins - 1, Math.floor(r.arrivalMs / 1000 / binS));
    requests[i] = (requests[i] ?? 0) + 1;
    tokens[i] = (tokens[i] ?? 0) + r.inputTokens;
  }
  return {
    tS: requests.map((_, i) => i * binS),
    requestsPerS: requests.map((n) => n / binS),
    promptTokensPerS: tokens.map((n) => n / binS),
  };
}

/**
 * Which requests can meet both SLOs at all: on an idle fleet (no queue, a batch of one). No system
 * can beat it; Mooncake's prompts reach 126k tokens, whose prefill alone exceeds 2 s.
 */
export function attainableMask(
  input: Pick<BacktestInput, 'profile' | 'sim' | 'trace' | 'policy'>,
): Uint8Array {
  const { profile, sim, trace } = input;
  const { ttftMs, tpotMs } = input.policy.spec.slo;
  const mask = new Uint8Array(trace.requests.length);
  for (const [i, r] of trace.requests.entries()) {
    const transferMs = kvTransferMs(r.inputTokens, {
      bytesPerToken: sim.kvBytesPerToken,
      gigabytesPerS: sim.kvGigabytesPerS,
    });
    const context = r.inputTokens + r.outputTokens / 2;
    const itlMs = profile.decodeItlMs(context, context / profile.kvCapacityTokens);
    if (profile.prefillMs(r.inputTokens) + transferMs <= ttftMs && (r.outputTokens <= 1 || itlMs <= tpotMs))
      mask[i] = 1;
  }
  return mask;
}

/** The share of requests that can meet both SLOs at all (see attainableMask). */
export function attainableShare(input: BacktestInput): number {
  const mask = attainableMask(input);
  return mask.length === 0 ? 1 : mask.reduce((a, b) => a + b, 0) / mask.length;
}

function simulationSettings(input: BacktestInput, prepared: PreparedBacktest): Record<string, string> {
  const { sim } = input;
  const { attainable, adjustment } = prepared;
  const share = attainable.length === 0 ? 1 : attainable.reduce((a, b) => a + b, 0) / attainable.length;
  return {
    'attainable (idle fleet)': `${(share * 100).toFixed(2)}% of requests can meet both SLOs at all`,
    profile: input.profile.name,
    'cold start': `prefill ${sim.coldStartS.prefill} s, decode ${sim.coldStartS.decode} s`,
    'fleet step': `${sim.stepS} s`,
    'prefill batch': `${sim.prefillBatchTokens} prompt tokens`,
    'KV transfer': `${sim.kvBytesPerToken} bytes/token at ${sim.kvGigabytesPerS} GB/s`,
    'decode KV capacity': `${input.profile.kvCapacityTokens} tokens per replica (reserved in full at admission)`,
    'GPUs per replica': `prefill ${input.profile.gpusPerReplica.prefill}, decode ${input.profile.gpusPerReplica.decode}`,
    'trace starts': new Date(sim.startMs).toISOString(),
    'GPU-hours': 'starting, serving and draining replicas, from 0 to the last arrival',
    metrics: 'each engine renders vLLM /metrics; systems read them through the pdscaler collectors',
    'load steps': 'a minute whose arrival rate is more than 30% above the minute before',
    'time to recover':
      'after a load step, seconds until the share of attainable requests meeting both SLOs over a 60 s window of arrivals is back at 99%',
    ...(adjustment === undefined ? {} : { 'policy override': adjustment.note }),
  };
}

/** A backtest with the oracle planned and the measures set, ready to run any system on its trace. */
export interface PreparedBacktest {
  readonly plan: OraclePlan;
  /** The policy every system runs with: the input's, with the adjustment applied. */
  readonly spec: DecisionSpec;
  readonly adjustment: SpecAdjustment | undefined;
  readonly attainable: Uint8Array;
  readonly loadSteps: readonly LoadStep[];
  /** Runs one system from the warm fleet every system starts from (`initialFor` the name). */
  runOne(system: SimAutoscaler, name: SystemName, onStep?: (simulatedS: number) => void): Promise<SystemRun>;
}

/** Systems whose own rules take the policy's GPU budget (pdscaler's joint limits, Dynamo's planner). */
const budgetAware: readonly SystemName[] = ['pdscaler', 'dynamo-sla'];

function adjusted(spec: DecisionSpec, adjustment: SpecAdjustment | undefined): DecisionSpec {
  if (adjustment === undefined) return spec;
  const { gpuBudgetMax, ratio } = adjustment;
  return {
    ...spec,
    gpuBudget: gpuBudgetMax === undefined ? spec.gpuBudget : { ...spec.gpuBudget, max: gpuBudgetMax },
    ratio: ratio ?? spec.ratio,
  };
}

/** Plans the oracle and the measures once; every system of a backtest is then run through `runOne`. */
export function prepareBacktest(input: Omit<BacktestInput, 'systems'>): PreparedBacktest {
  const sim = input.sim;
  const fleet: Omit<FleetOptions, 'initialReplicas'> = {
    profile: input.profile,
    modelName: sim.modelName,
    startMs: sim.startMs,
    coldStartS: sim.coldStartS,
    prefillBatchTokens: sim.prefillBatchTokens,
    kvTransfer: { bytesPerToken: sim.kvBytesPerToken, gigabytesPerS: sim.kvGigabytesPerS },
  };
  const policySpec = input.policy.spec;
  const slo = { ttftMs: policySpec.slo.ttftMs, tpotMs: policySpec.slo.tpotMs };
  const floor = {
    prefill: policySpec.roles.prefill.minReplicas,
    decode: policySpec.roles.decode.minReplicas,
  };
  const plan = planOracle(input.trace.requests, input.trace.durationS, {
    fleet,
    slo,
    coldStartS: sim.coldStartS,
    floor,
  });
  const adjustment = input.adjustSpec?.(plan, policySpec);
  const spec = adjusted(policySpec, adjustment);
  const budget = adjustment?.gpuBudgetMax;
  const gpus = { prefill: spec.roles.prefill.gpusPerReplica, decode: spec.roles.decode.gpusPerReplica };
  const attainable = attainableMask(input);
  const measures = {
    ratioBand: spec.ratio,
    attainable,
    loadSteps: findLoadSteps(
      input.trace.requests.map((r) => r.arrivalMs),
      input.trace.durationS,
    ),
  };
  const initial = (name: SystemName): Readonly<Record<Role, number>> => {
    const pair = initialFor(name, spec, plan);
    return budget === undefined
      ? pair
      : clampPairToBudget(pair, { budgetGpus: budget, gpusPerReplica: gpus });
  };
  const underBudget = (system: SimAutoscaler, name: SystemName): SimAutoscaler =>
    budget === undefined || budgetAware.includes(name)
      ? system
      : new BudgetClamped(system, { budgetGpus: budget, gpusPerReplica: gpus });
  return {
    plan,
    spec,
    adjustment,
    attainable,
    loadSteps: measures.loadSteps,
    runOne: (system, name, onStep) =>
      runSystem(
        underBudget(system, name),
        input.trace,
        {
          fleet,
          stepS: sim.stepS,
          slo,
          drainLimitS: sim.drainLimitS,
          measures,
          initial: initial(name),
        },
        onStep,
      ),
  };
}

export async function runBacktest(input: BacktestInput): Promise<BacktestReportData> {
  const prepared = prepareBacktest(input);
  const { spec } = prepared;
  const runInput: BacktestInput = { ...input, policy: { ...input.policy, spec } };
  const share = 1 / (input.systems.length + 1);
  input.onProgress?.(share);
  const runs: SystemRun[] = [];
  const systemNotes: Partial<Record<SystemName, string>> = {};
  const totalS = input.trace.durationS;
  for (const [index, name] of input.systems.entries()) {
    const system = systemFor(name, runInput, prepared.plan);
    if (system instanceof HeteroScale) systemNotes[name] = heteroScaleNote(system);
    const run = await prepared.runOne(system, name, (doneS) =>
      input.onProgress?.(share * (1 + index + Math.min(1, doneS / Math.max(1, totalS)))),
    );
    runs.push(run);
  }
  input.onProgress?.(1);
  const summary: BacktestSummary = {
    trace: {
      name: input.trace.name,
      requests: input.trace.requests.length,
      durationS: Math.round(input.trace.durationS * 10) / 10,
      transform:
        input.trace.transforms.length === 0
          ? 'none'
          : input.trace.transforms.map((t) => t.description).join('; '),
    },
    slo: { ttftMs: spec.slo.ttftMs, tpotMs: spec.slo.tpotMs, quantile: spec.slo.quantile },
    ratioBand: spec.ratio ?? null,
    results: runs.map((r) => r.result),
  };
  return {
    summary,
    policy: { name: input.policy.name, file: input.policy.file },
    profile: input.profile.name,
    simulation: simulationSettings(input, prepared),
    oracleDefinition,
    transforms: input.trace.transforms,
    demand: demandSeries(input.trace, 60),
    timelines: runs.map((r) => r.timeline),
    latency: runs.map((r) => r.latency),
    loadSteps: prepared.loadSteps,
    recovery: runs.map((r) => ({ name: r.result.name, steps: r.recovery })),
    systemNotes,
    generatedAt: (input.now ?? (() => new Date()))().toISOString(),
  };
}
