// SPDX-License-Identifier: Apache-2.0
// Builders so each test states only what matters (Knative's newTestAutoscaler, knative/serving pkg/autoscaler/scaling/autoscaler_test.go).
import { explicitCapacity } from '../../src/decision/profile-capacity.js';
import type {
  DecisionSpec,
  EpochMs,
  Observation,
  Observed,
  RoleObservation,
  RoleSpec,
} from '../../src/decision/types.js';

export const t0: EpochMs = Date.UTC(2026, 0, 5, 12, 0, 0);
export const seconds = (s: number): number => s * 1000;

/** 10,000 prompt tokens/s per prefill replica; 100 conversations per decode replica at 50 ms ITL. */
export const testCapacity = explicitCapacity({
  prefillTokensPerSecondPerReplica: 10_000,
  decodeMaxBatchPerReplica: 100,
  decodeItlAtMaxBatchMs: 50,
});

type DeepPartialSpec = Partial<Omit<DecisionSpec, 'roles' | 'slo' | 'scaleUp' | 'scaleDown' | 'forecast'>> & {
  roles?: { prefill?: Partial<RoleSpec>; decode?: Partial<RoleSpec> };
  slo?: Partial<DecisionSpec['slo']>;
  scaleUp?: Partial<DecisionSpec['scaleUp']>;
  scaleDown?: Partial<DecisionSpec['scaleDown']>;
  forecast?: Partial<DecisionSpec['forecast']>;
};

const role = (name: string, overrides: Partial<RoleSpec> = {}): RoleSpec => ({
  roleName: name,
  gpusPerReplica: 1,
  minReplicas: 1,
  maxReplicas: 64,
  coldStartS: 120,
  coldStartAuto: false,
  ...overrides,
});

/** A spec with no ratio, no budget, no forecast and no windows unless a test asks for them. */
export function makeSpec(overrides: DeepPartialSpec = {}): DecisionSpec {
  const { roles, slo, scaleUp, scaleDown, forecast, ...rest } = overrides;
  return {
    name: 'test',
    namespace: 'default',
    rbgName: 'test-rbg',
    scaleToZero: false,
    capacity: testCapacity,
    ratio: undefined,
    gpuBudget: { min: undefined, max: undefined },
    stalenessS: 60,
    correction: { maxFactor: 2, halfLifeS: 300 },
    schedules: [],
    customDemand: {},
    panic: { enabled: false, stableWindowS: 60, panicWindowS: 6, thresholdRatio: 2 },
    burnRate: {
      enabled: false,
      windowS: 300,
      maxHeadroom: 1.5,
      raisePerMinute: 0.1,
      halfLifeS: 600,
      minRequests: 500,
    },
    sizing: {
      prefill: { model: 'throughput' },
      decode: { model: 'active-conversations', crossCheckTolerance: 0.5 },
    },
    ...rest,
    roles: { prefill: role('prefill', roles?.prefill), decode: role('decode', roles?.decode) },
    slo: {
      quantile: 'p90',
      ttftMs: 500,
      tpotMs: 50,
      breachFactor: 1.2,
      excludeUnattainable: true,
      maxRequestRatePerPrefillReplica: undefined,
      maxActiveConversationsPerDecodeReplica: undefined,
      ...slo,
    },
    scaleUp: { windowS: 0, maxStepReplicas: 1000, maxStepPercent: 1000, ...scaleUp },
    scaleDown: {
      windowS: 0,
      maxStepReplicas: 1000,
      maxStepPercent: 100,
      margin: 0.8,
      burstMemoryS: 0,
      smoothingS: 0,
      ...scaleDown,
    },
    forecast: {
      method: 'none',
      horizonS: { prefill: 120, decode: 120 },
      horizonExplicit: false,
      alpha: 0.5,
      beta: 0.3,
      maxGrowth: 2,
      headroomSigmas: 0,
      missResetSigmas: 0,
      ...forecast,
    },
  };
}

const at = <T>(value: T, atMs: EpochMs): Observed<T> => ({ value, atMs });

export interface LoadShape {
  /** Prefill replicas' worth of load: rate x ISL = prefillLoad x 10,000 tokens/s (ISL 1,000). */
  readonly prefillLoad?: number;
  /** Decode replicas' worth of load: prefill load x 100 conversations. */
  readonly decodeLoad?: number;
  readonly ready?: { prefill?: number; decode?: number };
  readonly ttftMs?: number;
  readonly tpotMs?: number;
  readonly waiting?: number;
}

/**
 * An observation at `nowMs` whose demand needs `prefillLoad` prefill replicas and `decodeLoad`
 * decode replicas at full capacity of `testCapacity` (ISL 1,000, OSL 100).
 */
export function makeObservation(nowMs: EpochMs, load: LoadShape = {}): Observation {
  const prefillLoad = load.prefillLoad ?? 1;
  const decodeLoad = load.decodeLoad ?? 1;
  const prefill: RoleObservation = {
    requestRatePerS: at(prefillLoad * 10, nowMs),
    inputTokensMean: at(1000, nowMs),
    outputTokensMean: at(100, nowMs),
    waitingRequests: at(load.waiting ?? 0, nowMs),
    ...(load.ttftMs === undefined ? {} : { ttftMs: at({ quantilesMs: { p90: load.ttftMs } }, nowMs) }),
    ...(load.ready?.prefill === undefined ? {} : { readyReplicas: at(load.ready.prefill, nowMs) }),
  };
  const decode: RoleObservation = {
    activeConversations: at(decodeLoad * 100, nowMs),
    inputTokensMean: at(1000, nowMs),
    outputTokensMean: at(100, nowMs),
    ...(load.tpotMs === undefined ? {} : { tpotMs: at({ quantilesMs: { p90: load.tpotMs } }, nowMs) }),
    ...(load.ready?.decode === undefined ? {} : { readyReplicas: at(load.ready.decode, nowMs) }),
  };
  return { roles: { prefill, decode } };
}

/** Moves every field's timestamp, to make an observation stale or fresh. */
export function observedAt(observation: Observation, atMs: EpochMs): Observation {
  const move = (o: RoleObservation): RoleObservation =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { ...(v as Observed<unknown>), atMs }]));
  return { roles: { prefill: move(observation.roles.prefill), decode: move(observation.roles.decode) } };
}

/** The repository's data folder: shipped profiles, traces and /metrics captures (data/README.md). */
export const dataDir = new URL('../../data/', import.meta.url).pathname;
