// SPDX-License-Identifier: Apache-2.0
// What a backtest produces: the JSON summary whose shape is a contract (DESIGN.md, "backtest --json")
// and the richer data the HTML report draws (timelines, latency distributions, the run's settings).
import type { Quantile, Role } from '../decision/types.js';
import type { TransformRecord } from './trace/types.js';

export const SystemNames = ['pdscaler', 'static-peak', 'hpa-queue', 'dynamo-sla', 'oracle'] as const;
export type SystemName = (typeof SystemNames)[number];

/** One row of `results` in `backtest --json` (DESIGN.md). Attainment is a fraction in [0, 1]. */
export interface SystemResult {
  readonly name: SystemName;
  readonly sloAttainment: { readonly ttft: number; readonly tpot: number; readonly both: number };
  readonly gpuHours: number;
  /** Changes of a role's desired replicas (each role counted separately). */
  readonly scaleEvents: number;
  /** Scale events whose direction differs from the role's previous scale event. */
  readonly directionChanges: number;
  readonly peakReplicas: Readonly<Record<Role, number>>;
}

/** `backtest --json`, exactly as DESIGN.md states it. */
export interface BacktestSummary {
  readonly trace: {
    readonly name: string;
    readonly requests: number;
    readonly durationS: number;
    /** The transforms in the order applied, joined with "; " ("none" when none). */
    readonly transform: string;
  };
  readonly slo: { readonly ttftMs: number; readonly tpotMs: number; readonly quantile: Quantile };
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
  /** How the oracle is defined (evaluation-lessons.md §2), stated in every report. */
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
  /** ISO time the report was generated. */
  readonly generatedAt: string;
}
