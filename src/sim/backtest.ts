// SPDX-License-Identifier: Apache-2.0
// One backtest: plan the oracle, then replay the trace through a fresh simulated fleet once per
// system (pdscaler and the baselines), and gather the JSON summary and the report's data. Every
// system starts from the same warm fleet (the oracle's count at time 0, as if the service had been
// running before the trace) and is scored on the same requests against the policy's SLO.
import type { DecisionSpec, Role } from '../decision/types.js';
import type { FleetOptions } from './fleet/fleet.js';
import { kvTransferMs } from './fleet/kv-transfer.js';
import type { FleetProfile } from './fleet/latency-model.js';
import { oracleDefinition, planOracle, type OraclePlan } from './oracle.js';
import type { BacktestReportData, BacktestSummary, SystemName } from './result.js';
import { runSystem, type SystemRun } from './run-system.js';
import { DynamoSlaPlanner } from './systems/dynamo-sla.js';
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
 * Defaults: 120 s cold start (the default; real loads take 50-250 s); 8,192 prompt tokens
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

export interface BacktestInput {
  readonly policy: { readonly name: string; readonly file: string; readonly spec: DecisionSpec };
  readonly profile: FleetProfile;
  readonly trace: Trace;
  readonly systems: readonly SystemName[];
  readonly sim: SimParameters;
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

function systemFor(name: SystemName, input: BacktestInput, plan: OraclePlan): SimAutoscaler {
  const { spec } = input.policy;
  const { stepS } = input.sim;
  const bounds = (role: Role): { minReplicas: number; maxReplicas: number } => ({
    minReplicas: Math.max(1, spec.roles[role].minReplicas),
    maxReplicas: spec.roles[role].maxReplicas,
  });
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
    case 'hpa-queue': {
      const requests = input.trace.requests;
      const context =
        meanOf(requests.map((r) => r.inputTokens)) + meanOf(requests.map((r) => r.outputTokens)) / 2;
      const targets = defaultQueueTargets(spec.capacity, context, spec.slo.tpotMs);
      return new HpaQueue({
        roles: {
          prefill: { ...bounds('prefill'), targetPerPod: targets.prefill },
          decode: { ...bounds('decode'), targetPerPod: targets.decode },
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
 * The share of requests that can meet both SLOs at all: on an idle fleet (no queue, a batch of one).
 * No system can beat it; Mooncake's prompts reach 126k tokens, whose prefill alone exceeds 2 s.
 */
export function attainableShare(input: BacktestInput): number {
  const { profile, sim, trace } = input;
  const { ttftMs, tpotMs } = input.policy.spec.slo;
  let attainable = 0;
  for (const r of trace.requests) {
    const transferMs = kvTransferMs(r.inputTokens, {
      bytesPerToken: sim.kvBytesPerToken,
      gigabytesPerS: sim.kvGigabytesPerS,
    });
    const context = r.inputTokens + r.outputTokens / 2;
    const itlMs = profile.decodeItlMs(context, context / profile.kvCapacityTokens);
    if (profile.prefillMs(r.inputTokens) + transferMs <= ttftMs && (r.outputTokens <= 1 || itlMs <= tpotMs))
      attainable++;
  }
  return trace.requests.length === 0 ? 1 : attainable / trace.requests.length;
}

function simulationSettings(input: BacktestInput): Record<string, string> {
  const sim = input.sim;
  return {
    'attainable (idle fleet)': `${(attainableShare(input) * 100).toFixed(2)}% of requests can meet both SLOs at all`,
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
  };
}

export async function runBacktest(input: BacktestInput): Promise<BacktestReportData> {
  const { spec } = input.policy;
  const sim = input.sim;
  const fleet: Omit<FleetOptions, 'initialReplicas'> = {
    profile: input.profile,
    modelName: sim.modelName,
    startMs: sim.startMs,
    coldStartS: sim.coldStartS,
    prefillBatchTokens: sim.prefillBatchTokens,
    kvTransfer: { bytesPerToken: sim.kvBytesPerToken, gigabytesPerS: sim.kvGigabytesPerS },
  };
  const slo = { ttftMs: spec.slo.ttftMs, tpotMs: spec.slo.tpotMs };
  const floor = { prefill: spec.roles.prefill.minReplicas, decode: spec.roles.decode.minReplicas };
  const plan = planOracle(input.trace.requests, input.trace.durationS, {
    fleet,
    slo,
    coldStartS: sim.coldStartS,
    floor,
  });
  const share = 1 / (input.systems.length + 1);
  input.onProgress?.(share);
  const runs: SystemRun[] = [];
  const totalS = input.trace.durationS;
  for (const [index, name] of input.systems.entries()) {
    const run = await runSystem(
      systemFor(name, input, plan),
      input.trace,
      { fleet, stepS: sim.stepS, slo, drainLimitS: sim.drainLimitS, initial: initialFor(name, spec, plan) },
      (doneS) => input.onProgress?.(share * (1 + index + Math.min(1, doneS / Math.max(1, totalS)))),
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
    results: runs.map((r) => r.result),
  };
  return {
    summary,
    policy: { name: input.policy.name, file: input.policy.file },
    profile: input.profile.name,
    simulation: simulationSettings(input),
    oracleDefinition,
    transforms: input.trace.transforms,
    demand: demandSeries(input.trace, 60),
    timelines: runs.map((r) => r.timeline),
    latency: runs.map((r) => r.latency),
    generatedAt: (input.now ?? (() => new Date()))().toISOString(),
  };
}
