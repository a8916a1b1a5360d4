// SPDX-License-Identifier: Apache-2.0
// Runs a suite's cases on parallel worker threads, each case whole through `runBacktest` (the same
// code and inputs as a single backtest, so the numbers are those `pdscaler backtest` prints for the
// case). Results come back in the suite's order whatever the worker count or finishing order; only
// the timing fields (`wallMs`) differ between runs.
import type { Worker } from 'node:worker_threads';
import type { BacktestReportData } from '../result.js';
import { CaseInputError, caseProblems, type CaseFiles } from './case-input.js';
import type { SuiteCase } from './cases.js';
import { byRequestsDescending, requestCounts } from './work-order.js';
import type { CaseWorkerReport, RunCaseRequest } from './worker-protocol.js';
import { startCaseWorker } from './worker-start.js';

/** What the progress bar shows: cases finished, and how far each running one is (0..1). */
export interface SuiteProgress {
  readonly done: number;
  readonly total: number;
  readonly running: readonly { readonly id: string; readonly fraction: number }[];
}

export interface CaseRun {
  readonly case: SuiteCase;
  readonly data: BacktestReportData;
  /** Wall time of the case in its worker, loading included. */
  readonly wallMs: number;
}

export interface SuiteRun {
  /** In the suite's order. */
  readonly cases: readonly CaseRun[];
  readonly workers: number;
  /** Wall time of the whole run: checks, ordering and every case. */
  readonly wallMs: number;
  /**
   * CPU time of the process over the run, every thread: against `workers x wallMs` it shows how much
   * of the machine the run had (other work on it stretches the wall time, not this).
   */
  readonly cpuMs: number;
}

export interface RunSuiteOptions {
  readonly cases: readonly SuiteCase[];
  readonly files: CaseFiles;
  /** Worker threads (at least 1; never more than there are cases). */
  readonly workers: number;
  /** `generatedAt` of every case's report. */
  readonly generatedAtMs: number;
  readonly onProgress?: (progress: SuiteProgress) => void;
}

/** The suite cannot run (a missing policy, profile or trace) or a case failed; the message says which. */
export class SuiteError extends Error {
  override readonly name = 'SuiteError';
  /** `inputs`: a file, profile or transform is missing or bad; `failed`: a case broke while running. */
  readonly reason: 'inputs' | 'failed';

  constructor(message: string, reason: 'inputs' | 'failed') {
    super(message);
    this.reason = reason;
  }
}

/** Hands cases to workers as they free up and collects the results; settles once. */
class WorkerPool {
  private readonly pending: SuiteCase[];
  private readonly byId: ReadonlyMap<string, SuiteCase>;
  private readonly results = new Map<string, CaseRun>();
  private readonly running = new Map<string, number>();
  private readonly workers: Worker[] = [];
  private readonly options: RunSuiteOptions;
  private readonly settle: (error: SuiteError | undefined, results: ReadonlyMap<string, CaseRun>) => void;
  private settled = false;

  constructor(
    queue: readonly SuiteCase[],
    options: RunSuiteOptions,
    settle: (error: SuiteError | undefined, results: ReadonlyMap<string, CaseRun>) => void,
  ) {
    this.options = options;
    this.settle = settle;
    this.pending = [...queue];
    this.byId = new Map(queue.map((c) => [c.id, c]));
  }

  start(count: number): void {
    if (this.pending.length === 0) {
      this.finish(undefined);
      return;
    }
    for (let i = 0; i < count; i++) {
      const worker = startCaseWorker();
      this.workers.push(worker);
      worker.on('message', (report: CaseWorkerReport) => {
        this.onReport(worker, report);
      });
      worker.on('error', (error) => {
        this.finish(new SuiteError(`a suite worker failed: ${error.message}`, 'failed'));
      });
      worker.on('exit', (code) => {
        if (code !== 0) this.finish(new SuiteError(`a suite worker exited with code ${code}`, 'failed'));
      });
      this.next(worker);
    }
  }

  private onReport(worker: Worker, report: CaseWorkerReport): void {
    switch (report.type) {
      case 'progress':
        this.running.set(report.id, report.fraction);
        this.progress();
        return;
      case 'failed':
        this.finish(new SuiteError(`case ${report.id} failed: ${report.message}`, 'failed'));
        return;
      case 'done': {
        const c = this.byId.get(report.id);
        if (c !== undefined)
          this.results.set(report.id, { case: c, data: report.data, wallMs: report.wallMs });
        this.running.delete(report.id);
        this.progress();
        this.next(worker);
      }
    }
  }

  private next(worker: Worker): void {
    const c = this.pending.shift();
    if (c === undefined) {
      if (this.running.size === 0) this.finish(undefined);
      return;
    }
    this.running.set(c.id, 0);
    this.progress();
    const request: RunCaseRequest = {
      case: c,
      files: this.options.files,
      generatedAtMs: this.options.generatedAtMs,
    };
    worker.postMessage(request);
  }

  private progress(): void {
    this.options.onProgress?.({
      done: this.results.size,
      total: this.byId.size,
      running: [...this.running].map(([id, fraction]) => ({ id, fraction })),
    });
  }

  private finish(error: SuiteError | undefined): void {
    if (this.settled) return;
    this.settled = true;
    for (const worker of this.workers) void worker.terminate();
    this.settle(error, this.results);
  }
}

function runInWorkers(
  queue: readonly SuiteCase[],
  options: RunSuiteOptions,
): Promise<ReadonlyMap<string, CaseRun>> {
  return new Promise((resolve, reject) => {
    const pool = new WorkerPool(queue, options, (error, results) => {
      if (error === undefined) resolve(results);
      else reject(error);
    });
    pool.start(Math.max(1, Math.min(options.workers, queue.length)));
  });
}

/** Request counts for the work order; a case whose trace or transform is bad stops the suite. */
async function countedOrThrow(cases: readonly SuiteCase[], files: CaseFiles): Promise<Map<string, number>> {
  try {
    return await requestCounts(cases, files);
  } catch (error) {
    if (error instanceof CaseInputError)
      throw new SuiteError(`the suite cannot run: ${error.message}`, 'inputs');
    throw error;
  }
}

/**
 * Checks every case's files, orders the cases by request count (largest first) and runs them on
 * `options.workers` worker threads. Throws SuiteError naming every missing policy, profile or trace
 * before any case runs, or the first case that fails.
 */
export async function runSuite(options: RunSuiteOptions): Promise<SuiteRun> {
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const problems = caseProblems(options.cases, options.files);
  if (problems.length > 0)
    throw new SuiteError(`the suite cannot run:\n  ${problems.join('\n  ')}`, 'inputs');
  const queue = byRequestsDescending(options.cases, await countedOrThrow(options.cases, options.files));
  const results = await runInWorkers(queue, options);
  const cases = options.cases.map((c) => {
    const run = results.get(c.id);
    if (run === undefined) throw new SuiteError(`case ${c.id} produced no result`, 'failed');
    return run;
  });
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    cases,
    workers: Math.max(1, Math.min(options.workers, options.cases.length)),
    wallMs: performance.now() - started,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}
