// SPDX-License-Identifier: Apache-2.0
// What a backtest produces: the JSON summary whose shape is a contract (docs/design.md, "backtest --json")
// and the richer data the HTML report draws (timelines, latency distributions, the run's settings).
import type { Quantile, RatioBasis, Role } from '../decision/types.js';
import type { LoadStep } from './measures/load-steps.js';
import type { RecoverySummary, StepRecovery } from './measures/recovery.js';
import type { TransformRecord } from './trace/types.js';

export const SystemNames = [
  'pdscaler',
  'static-peak',
  'hpa-queue',
  'dynamo-sla',
  'heteroscale',
  'blitzscale-bands',
  'oracle',
] as const;
export type SystemName = (typeof SystemNames)[number];

/** One row of `results` in `backtest --json` (docs/design.md). Attainment is a fraction in [0, 1]. */
export interface SystemResult {
  readonly name: SystemName;
  readonly sloAttainment: { readonly ttft: number; readonly tpot: number; readonly both: number };
  readonly gpuHours: number;
  /** Changes of a role's desired replicas (each role counted separately). */
  readonly scaleEvents: number;
  /** Scale events whose direction differs from the role's previous scale event. */
  readonly directionChanges: number;
  readonly peakReplicas: Readonly<Record<Role, number>>;
  /** Requests that met both SLOs per GPU-hour (goodput). */
  readonly goodputPerGpuHour: number;
  /**
   * Time-weighted mean distance of the Ready P/D ratio from the policy's band, in ratio units (0
   * inside the band, and 0 when the policy has no band: `BacktestSummary.ratioBand` is then null).
   */
  readonly ratioDeviation: number;
  /** After each load step of more than 30%, seconds until 60 s attainment is back at 99%. */
  readonly timeToRecover: RecoverySummary;
}

/** `backtest --json`, exactly as docs/design.md states it. */
export interface BacktestSummary {
  readonly trace: {
    readonly name: string;
    readonly requests: number;
    readonly durationS: number;
    /** The transforms in the order applied, joined with "; " ("none" when none). */
    readonly transform: string;
  };
  readonly slo: { readonly ttftMs: number; readonly tpotMs: number; readonly quantile: Quantile };
  /** The policy's P/D ratio band that `ratioDeviation` is measured against; null without one. */
  readonly ratioBand: { readonly min: number; readonly max: number; readonly basis: RatioBasis } | null;
  readonly results: readonly SystemResult[];
}

/** Replica counts of one system over time, sampled at every simulator sample point. */
export interface SystemTimeline {
  readonly name: SystemName;
  /** Seconds since the trace start, shared by every series below. */
  readonly tS: readonly number[];
  readonly replicas: Readonly<
    Record<Role, { readonly desired: readonly number[]; readonly ready: readonly number[] }>
  >;
  /** Requests in the decode role (running + waiting) at each sample: decode's demand in this fleet. */
  readonly decodeActive: readonly number[];
}

/**
 * A latency distribution as quantile points: `valuesMs[i]` is the `i / (valuesMs.length - 1)`
 * quantile of the per-request values (so the first is the minimum, the last the maximum).
 */
export interface LatencyDistribution {
  readonly name: SystemName;
  readonly ttftMs: readonly number[];
  readonly tpotMs: readonly number[];
}

/** Everything the HTML report shows. */
export interface BacktestReportData {
  readonly summary: BacktestSummary;
  readonly policy: { readonly name: string; readonly file: string };
  readonly profile: string;
  /** Simulator settings, shown verbatim in the report (name -> value with unit). */
  readonly simulation: Readonly<Record<string, string>>;
  /** How the oracle is defined (docs/reference.md §G.2), stated in every report. */
  readonly oracleDefinition: string;
  readonly transforms: readonly TransformRecord[];
  /** Offered load per sample interval, from the trace (the same for every system). */
  readonly demand: {
    readonly tS: readonly number[];
    readonly requestsPerS: readonly number[];
    readonly promptTokensPerS: readonly number[];
  };
  readonly timelines: readonly SystemTimeline[];
  readonly latency: readonly LatencyDistribution[];
  /** The trace's load steps and each system's recovery after them, in the order of `timelines`. */
  readonly loadSteps: readonly LoadStep[];
  readonly recovery: readonly { readonly name: SystemName; readonly steps: readonly StepRecovery[] }[];
  /** Per-system facts worth printing (e.g. HeteroScale's offline ratio), by system name. */
  readonly systemNotes: Readonly<Partial<Record<SystemName, string>>>;
  /** ISO time the report was generated. */
  readonly generatedAt: string;
}
