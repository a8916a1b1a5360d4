// SPDX-License-Identifier: Apache-2.0
// The messages between the suite runner and its case workers (worker_threads, structured clone):
// the runner sends one case at a time, the worker reports progress and then the case's result.
import type { BacktestReportData } from '../result.js';
import type { CaseFiles } from './case-input.js';
import type { SuiteCase } from './cases.js';

export interface RunCaseRequest {
  readonly case: SuiteCase;
  readonly files: CaseFiles;
  /** The report's `generatedAt`, the same for every case of one run. */
  readonly generatedAtMs: number;
}

export type CaseWorkerReport =
  /** Fraction of the case done (the oracle, then each system's simulated time), 0..1. */
  | { readonly type: 'progress'; readonly id: string; readonly fraction: number }
  | { readonly type: 'done'; readonly id: string; readonly data: BacktestReportData; readonly wallMs: number }
  | { readonly type: 'failed'; readonly id: string; readonly message: string };
