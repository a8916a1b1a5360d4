// SPDX-License-Identifier: Apache-2.0
// What `pdscaler backtest --suite NAME` prints: the JSON (`--json`: every case's `backtest --json`
// summary, docs/design.md, with its targets) or a plain-text table of pdscaler per case and the targets.
import type { SuiteCase } from './cases.js';
import type { BacktestSummary } from '../result.js';
import { percent, spanOfTime, times } from './figures.js';
import type { SuiteRun } from './runner.js';
import type { CaseTargets, SuiteTargets, TargetCheck } from './targets.js';

/** A case as the JSON states it: its definition, with the override as the note it produced. */
export interface SuiteCaseJson extends Omit<SuiteCase, 'overrides'> {
  /** How the case's override was derived; null without one. */
  readonly policyOverride: string | null;
  readonly wallTimeS: number;
  readonly targets: Omit<CaseTargets, 'id' | 'label'>;
  readonly summary: BacktestSummary;
}

export interface SuiteJson {
  readonly suite: string;
  readonly workers: number;
  readonly wallTimeS: number;
  readonly cpuTimeS: number;
  readonly targets: {
    readonly meanAttainmentGap: number;
    readonly meanOracleRatio: number;
    readonly families: SuiteTargets['families'];
    readonly met: boolean;
    readonly checks: readonly TargetCheck[];
  };
  readonly cases: readonly SuiteCaseJson[];
}

const seconds = (ms: number): number => Math.round(ms) / 1000;

export function suiteJson(suiteName: string, run: SuiteRun, targets: SuiteTargets): SuiteJson {
  return {
    suite: suiteName,
    workers: run.workers,
    wallTimeS: seconds(run.wallMs),
    cpuTimeS: seconds(run.cpuMs),
    targets: {
      meanAttainmentGap: targets.meanAttainmentGap,
      meanOracleRatio: targets.meanOracleRatio,
      families: targets.families,
      met: targets.met,
      checks: targets.checks,
    },
    cases: run.cases.map(({ case: c, data, wallMs }, index) => {
      const caseTargets = targets.cases[index];
      if (caseTargets === undefined) throw new Error(`case ${c.id} has no targets`);
      const { id: _id, label: _label, ...figures } = caseTargets;
      return {
        id: c.id,
        label: c.label,
        policy: c.policy,
        trace: c.trace,
        family: c.family,
        split: c.split,
        transforms: c.transforms,
        profile: c.profile,
        coldStartS: c.coldStartS,
        policyOverride: data.simulation['policy override'] ?? null,
        wallTimeS: seconds(wallMs),
        targets: figures,
        summary: data.summary,
      };
    }),
  };
}

function columns(rows: readonly (readonly string[])[]): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
  );
}

/** pdscaler per case, then the suite's targets and the run's wall time. */
export function formatSuiteText(suiteName: string, run: SuiteRun, targets: SuiteTargets): string {
  const perCase = columns([
    [
      'case',
      'split',
      'both SLOs',
      'oracle',
      'GPU-h x oracle',
      'dir/10min P/D',
      'dominated by',
      'targets missed',
      'wall s',
    ],
    ...targets.cases.map((c, i) => [
      c.id,
      c.split,
      percent(c.both),
      percent(c.oracleBoth),
      times(c.oracleRatio),
      `${c.directionChanges.prefill}/${c.directionChanges.decode}`,
      c.dominatedBy.length === 0 ? '-' : c.dominatedBy.map((d) => d.name).join(','),
      String(c.checks.filter((k) => !k.met).length),
      ((run.cases[i]?.wallMs ?? 0) / 1000).toFixed(1),
    ]),
  ]);
  const checks = targets.checks.map((k) => `${k.met ? 'met   ' : 'MISSED'}  ${k.target}: ${k.figure}`);
  return [
    `suite ${suiteName}: ${run.cases.length} cases, ${run.workers} workers, wall time ${spanOfTime(run.wallMs / 1000)}, ` +
      `CPU time ${spanOfTime(run.cpuMs / 1000)}`,
    '',
    ...perCase,
    '',
    ...checks,
    '',
  ].join('\n');
}
