// SPDX-License-Identifier: Apache-2.0
// The suite's sections of docs/backtests.md (between `<!-- eval:begin -->` / `<!-- eval:end -->` and
// `<!-- eval-targets:begin -->` / `<!-- eval-targets:end -->`): pdscaler against the targets per case,
// every system on every case, the suite's targets with the run's wall time and worker count, and the
// figures per workload family with its tuning or held-out split.
import type { SystemResult } from '../result.js';
import { percent, perGpuHour, pp, spanOfTime, times } from './figures.js';
import type { SuiteRun } from './runner.js';
import type { CaseTargets, SuiteTargets } from './targets.js';

type Align = 'left' | 'right' | 'center';

const rule: Readonly<Record<Align, string>> = { left: '---', right: '---:', center: ':---:' };

function table(
  columns: readonly (readonly [string, Align])[],
  rows: readonly (readonly string[])[],
): string[] {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [
    line(columns.map(([name]) => name)),
    line(columns.map(([, align]) => rule[align])),
    ...rows.map(line),
  ];
}

const yesNo = (met: boolean): string => (met ? 'yes' : 'no');

function missed(c: CaseTargets): string {
  const names = c.checks.filter((k) => !k.met).map((k) => k.target);
  return names.length === 0 ? 'all met' : `missed: ${names.join('; ')}`;
}

function dominatedCell(c: CaseTargets): string {
  return c.dominatedBy.length === 0 ? 'no' : c.dominatedBy.map((d) => d.name).join(', ');
}

function pdscalerRows(targets: SuiteTargets): string[][] {
  return targets.cases.map((c) => [
    c.label,
    c.split,
    percent(c.both),
    percent(c.oracleBoth),
    pp(c.attainmentGap),
    times(c.oracleRatio),
    `${c.directionChanges.prefill}/${c.directionChanges.decode}`,
    dominatedCell(c),
    missed(c),
  ]);
}

function familyRows(targets: SuiteTargets): string[][] {
  return targets.families.map((f) => [
    f.family,
    f.split,
    String(f.cases),
    pp(f.meanAttainmentGap),
    times(f.meanOracleRatio),
    String(f.maxDirectionChanges),
    `${f.casesMissing} of ${f.cases}`,
  ]);
}

function systemRow(label: string, r: SystemResult, oracleGpuHours: number | undefined): string[] {
  return [
    label,
    r.name,
    percent(r.sloAttainment.both),
    percent(r.sloAttainment.ttft),
    percent(r.sloAttainment.tpot),
    r.gpuHours.toFixed(2),
    oracleGpuHours === undefined || oracleGpuHours <= 0 ? '-' : times(r.gpuHours / oracleGpuHours),
    perGpuHour(r.goodputPerGpuHour),
    r.ratioDeviation.toFixed(2),
    String(r.directionChanges),
    `${r.peakReplicas.prefill}/${r.peakReplicas.decode}`,
  ];
}

function allSystemRows(run: SuiteRun): string[][] {
  return run.cases.flatMap(({ case: c, data }) => {
    const oracle = data.summary.results.find((r) => r.name === 'oracle')?.gpuHours;
    return data.summary.results.map((r) => systemRow(c.label, r, oracle));
  });
}

/** The `eval` section: pdscaler per case against the targets, then every system on every case. */
export function evalSection(run: SuiteRun, targets: SuiteTargets): string[] {
  return [
    ...table(
      [
        ['case', 'left'],
        ['split', 'left'],
        ['pdscaler both SLOs', 'right'],
        ['oracle both SLOs', 'right'],
        ['gap', 'right'],
        ['GPU-h x oracle', 'right'],
        ['max dir. changes / 10 min P/D', 'right'],
        ['dominated by', 'left'],
        ['targets', 'left'],
      ],
      pdscalerRows(targets),
    ),
    '',
    ...table(
      [
        ['case', 'left'],
        ['system', 'left'],
        ['both SLOs', 'right'],
        ['TTFT', 'right'],
        ['TPOT', 'right'],
        ['GPU-h', 'right'],
        ['x oracle', 'right'],
        ['goodput/GPU-h', 'right'],
        ['ratio dev.', 'right'],
        ['direction changes', 'right'],
        ['peak P/D', 'right'],
      ],
      allSystemRows(run),
    ),
  ];
}

/** The `eval-targets` section: the suite's targets, met or missed, and how long the run took. */
export function evalTargetsSection(suiteName: string, run: SuiteRun, targets: SuiteTargets): string[] {
  return [
    `Suite \`${suiteName}\`: ${run.cases.length} cases, every system; ${run.workers} worker` +
      `${run.workers === 1 ? '' : 's'}, wall time ${spanOfTime(run.wallMs / 1000)}, CPU time ` +
      `${spanOfTime(run.cpuMs / 1000)}. Means are over cases, each case weighing the same.`,
    '',
    ...table(
      [
        ['target', 'left'],
        ['figure', 'left'],
        ['met', 'center'],
      ],
      targets.checks.map((k) => [k.target, k.figure, yesNo(k.met)]),
    ),
    '',
    'Per workload family (tuning: defaults may be chosen on it; held-out: only reported). Gap: the ' +
      "oracle's both-SLO attainment minus pdscaler's, mean over the family's cases.",
    '',
    ...table(
      [
        ['family', 'left'],
        ['split', 'left'],
        ['cases', 'right'],
        ['mean gap to oracle', 'right'],
        ['mean GPU-h x oracle', 'right'],
        ['max dir. changes / 10 min', 'right'],
        ['cases missing a target', 'right'],
      ],
      familyRows(targets),
    ),
  ];
}
