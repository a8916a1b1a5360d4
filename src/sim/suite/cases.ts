// SPDX-License-Identifier: Apache-2.0
// What one case of the evaluation suite is: plain data (it crosses into worker threads), naming the
// files a backtest reads and the settings it runs with. suites.ts lists the named suites.
import type { Role } from '../../decision/types.js';

/**
 * Policy changes derived from the case's own oracle plan (overrides.ts), so the bound case binds
 * whatever the trace: a fixed number would bind on one trace and not on the next.
 */
export interface CaseOverrides {
  /** `gpuBudget.max` = floor(this x the oracle plan's peak GPUs, prefill plus decode at one time). */
  readonly gpuBudgetOfOraclePeak?: number;
  /** A P/D ratio band in GPUs of [min x, max x] the oracle plan's median GPU ratio. */
  readonly ratioBandOfOracleMedian?: { readonly min: number; readonly max: number };
}

export type CaseSplit = 'tuning' | 'held-out';

export interface SuiteCase {
  /** Stable and unique within the suite, e.g. `mooncake-8b-day-x10-cs120`. */
  readonly id: string;
  /** What a reader sees in tables, e.g. "Mooncake 8B day:1h scale:10, cold start 120 s". */
  readonly label: string;
  /** Policy file, relative to the repository root. */
  readonly policy: string;
  /**
   * Trace file name inside the traces directory, or a synthetic source generated in process
   * (`synth:FAMILY?seed=N&rate=R&duration=D`, src/sim/trace/synth/spec.ts).
   */
  readonly trace: string;
  /** The workload family the case belongs to, for the per-family figures: `mooncake`, `mmpp`, ... */
  readonly family: string;
  /**
   * `tuning`: defaults may be chosen on this family; `held-out`: only reported, never tuned on, so it
   * stands for traffic pdscaler has not seen.
   */
  readonly split: CaseSplit;
  /** `--transform` specs (src/sim/trace/transform-spec.ts), applied in order; none is the trace as recorded. */
  readonly transforms: readonly string[];
  /** Named profile the simulated engines follow (src/policy/profiles.ts). */
  readonly profile: string;
  /** Pod creation to Ready in the simulator, seconds. */
  readonly coldStartS: Readonly<Record<Role, number>>;
  readonly overrides?: CaseOverrides;
}

export interface Suite {
  readonly name: string;
  readonly description: string;
  readonly cases: readonly SuiteCase[];
}
