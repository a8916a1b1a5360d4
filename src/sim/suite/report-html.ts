// SPDX-License-Identifier: Apache-2.0
// The suite's report as one self-contained HTML page (inline CSS, no scripts, no external URLs, like
// the single-backtest report): the oracle's definition, the targets met or missed, pdscaler
// against the targets per case, every system on every case, then one section per case with its
// transforms, cold start, overrides and summary table. The single report's charts are left out: they
// take ~90 KB per hour-long case (3 MB for the standard suite); each section gives the command that
// draws them for its case.
import { join } from 'node:path';
import { oracleDefinition } from '../oracle.js';
import { escapeHtml } from '../report/escape.js';
import { summaryTable } from '../report/summary-table.js';
import type { SystemResult } from '../result.js';
import { isSynthSource } from '../trace/synth/spec.js';
import { percent, perGpuHour, pp, spanOfTime, times } from './figures.js';
import type { CaseRun, SuiteRun } from './runner.js';
import type { CaseTargets, FamilyFigures, SuiteTargets, TargetCheck } from './targets.js';

const STYLE = `
body { font-family: 'DejaVu Sans', system-ui, sans-serif; color: #222; margin: 24px; max-width: 1360px; }
h1 { margin: 0 0 12px; font-size: 26px; }
h2 { margin: 28px 0 10px; font-size: 19px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { margin: 24px 0 8px; font-size: 16px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 12px; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
dl.facts ul { margin: 0; padding-left: 18px; }
table { border-collapse: collapse; font-size: 13px; margin-bottom: 12px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; }
thead th { background: #f2f2f2; }
tbody th { text-align: left; }
td.num, table.summary td { text-align: right; font-variant-numeric: tabular-nums; }
tr.ours { background: #e6f0fa; font-weight: 600; }
td.below, td.missed { color: #b00020; background: #fdecee; }
td.met { color: #1b5e20; }
.oracle-definition { margin: 0; }
`;

function facts(entries: readonly (readonly [string, string])[]): string {
  return `<dl class="facts">${entries.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function table(headings: readonly string[], rows: readonly string[]): string {
  return (
    `<table><thead><tr>${headings.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

const metCell = (met: boolean): string =>
  met ? '<td class="met">met</td>' : '<td class="missed">missed</td>';

function checkRows(checks: readonly TargetCheck[]): string[] {
  return checks.map(
    (k) =>
      `<tr><th scope="row">${escapeHtml(k.target)}</th><td>${escapeHtml(k.figure)}</td>${metCell(k.met)}</tr>`,
  );
}

const anchor = (id: string): string => `case-${id}`;

function pdscalerRow(c: CaseTargets): string {
  const dominatedBy = c.dominatedBy.map((d) => d.name).join(', ');
  const cells = [
    `<th scope="row"><a href="#${escapeHtml(anchor(c.id))}">${escapeHtml(c.label)}</a></th>`,
    `<td>${escapeHtml(c.split)}</td>`,
    `<td class="num">${percent(c.both)}</td>`,
    `<td class="num">${percent(c.oracleBoth)}</td>`,
    `<td class="num">${times(c.oracleRatio)}</td>`,
    `<td class="num">${c.directionChanges.prefill} / ${c.directionChanges.decode}</td>`,
    `<td>${dominatedBy === '' ? '—' : escapeHtml(dominatedBy)}</td>`,
    ...c.checks.map((k) => metCell(k.met)),
  ];
  return `<tr>${cells.join('')}</tr>`;
}

function familyRow(f: FamilyFigures): string {
  const cells = [
    `<th scope="row">${escapeHtml(f.family)}</th>`,
    `<td>${escapeHtml(f.split)}</td>`,
    ...[
      String(f.cases),
      pp(f.meanAttainmentGap),
      times(f.meanOracleRatio),
      String(f.maxDirectionChanges),
      `${f.casesMissing} of ${f.cases}`,
    ].map((text) => `<td class="num">${text}</td>`),
  ];
  return `<tr>${cells.join('')}</tr>`;
}

function systemRow(label: string, r: SystemResult, oracleGpuHours: number | undefined): string {
  const ratio =
    oracleGpuHours === undefined || oracleGpuHours <= 0 ? '—' : times(r.gpuHours / oracleGpuHours);
  const cells = [
    `<th scope="row">${escapeHtml(label)}</th>`,
    `<th scope="row">${escapeHtml(r.name)}</th>`,
    ...[
      percent(r.sloAttainment.both),
      percent(r.sloAttainment.ttft),
      percent(r.sloAttainment.tpot),
      r.gpuHours.toFixed(2),
      ratio,
      perGpuHour(r.goodputPerGpuHour),
      r.ratioDeviation.toFixed(2),
      String(r.directionChanges),
      `${r.peakReplicas.prefill}/${r.peakReplicas.decode}`,
    ].map((text) => `<td class="num">${text}</td>`),
  ];
  return `<tr${r.name === 'pdscaler' ? ' class="ours"' : ''}>${cells.join('')}</tr>`;
}

function allSystemsTable(run: SuiteRun): string {
  const rows = run.cases.flatMap(({ case: c, data }) => {
    const oracle = data.summary.results.find((r) => r.name === 'oracle')?.gpuHours;
    return data.summary.results.map((r) => systemRow(c.label, r, oracle));
  });
  return table(
    [
      'Case',
      'System',
      'Both SLOs',
      'TTFT SLO',
      'TPOT SLO',
      'GPU-hours',
      '× oracle',
      'Goodput per GPU-hour',
      'P/D ratio deviation',
      'Direction changes',
      'Peak P/D',
    ],
    rows,
  );
}

function transformsHtml(run: CaseRun): string {
  const { transforms } = run.data;
  if (transforms.length === 0) return 'none (the trace as recorded)';
  return `<ul>${transforms.map((t) => `<li>${escapeHtml(t.description)}</li>`).join('')}</ul>`;
}

/** The single backtest that draws this case's charts; an override is the suite's alone. */
function chartsCommand(run: CaseRun, tracesDir: string): string {
  const c = run.case;
  const args = [
    'npx pdscaler backtest',
    `--policy ${c.policy}`,
    // A synthetic source holds ? and &, which a shell would read; quoted, it pastes as it is.
    `--trace ${isSynthSource(c.trace) ? `'${c.trace}'` : join(tracesDir, c.trace)}`,
    ...c.transforms.map((t) => `--transform ${t}`),
    `--profile ${c.profile}`,
    `--cold-start prefill=${c.coldStartS.prefill}s,decode=${c.coldStartS.decode}s`,
    `--report ${c.id}.html`,
  ];
  const note =
    c.overrides === undefined ? '' : ' (without the policy override, which only the suite applies)';
  return `<code>${escapeHtml(args.join(' '))}</code>${note}`;
}

function caseSection(run: CaseRun, targets: CaseTargets | undefined, tracesDir: string): string {
  const { case: c, data } = run;
  const { trace, slo, ratioBand } = data.summary;
  const override = data.simulation['policy override'];
  const entries: [string, string][] = [
    ['Policy', `${escapeHtml(data.policy.name)} (<code>${escapeHtml(c.policy)}</code>)`],
    ['Profile', escapeHtml(data.profile)],
    [
      'Trace',
      `${escapeHtml(trace.name)}: ${trace.requests.toLocaleString('en-US')} requests over ${trace.durationS} s`,
    ],
    ['Transforms', transformsHtml(run)],
    ['Cold start', `prefill ${c.coldStartS.prefill} s, decode ${c.coldStartS.decode} s`],
    ['SLO', `TTFT ≤ ${slo.ttftMs} ms and TPOT ≤ ${slo.tpotMs} ms at ${slo.quantile}`],
    ['Policy override', override === undefined ? 'none' : escapeHtml(override)],
    [
      'Ratio band',
      ratioBand === null ? 'none' : `[${ratioBand.min}, ${ratioBand.max}] (${escapeHtml(ratioBand.basis)})`,
    ],
    ['Attainable', escapeHtml(data.simulation['attainable (idle fleet)'] ?? '—')],
    [
      'Targets',
      targets === undefined
        ? '—'
        : escapeHtml(targets.checks.map((k) => `${k.target}: ${k.figure}`).join('; ')),
    ],
    ['Charts', chartsCommand(run, tracesDir)],
  ];
  return `<section id="${escapeHtml(anchor(c.id))}"><h3>${escapeHtml(c.label)}</h3>
${facts(entries)}
${summaryTable(data.summary.results)}
</section>`;
}

export interface SuiteReportInput {
  readonly suite: { readonly name: string; readonly description: string };
  readonly run: SuiteRun;
  readonly targets: SuiteTargets;
  /** Where the run read its traces (for the commands that reproduce a case). */
  readonly tracesDir: string;
  /** ISO time of the run. */
  readonly generatedAt: string;
}

/** The whole page; every piece of text from the data is escaped. */
export function renderSuiteHtml(input: SuiteReportInput): string {
  const { suite, run, targets } = input;
  const byId = new Map(targets.cases.map((c) => [c.id, c]));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pdscaler evaluation suite: ${escapeHtml(suite.name)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>pdscaler evaluation suite: ${escapeHtml(suite.name)}</h1>
${facts([
  ['Suite', escapeHtml(suite.description)],
  ['Cases', String(run.cases.length)],
  ['Workers', String(run.workers)],
  ['Wall time', escapeHtml(spanOfTime(run.wallMs / 1000))],
  ['CPU time', escapeHtml(`${spanOfTime(run.cpuMs / 1000)}, every thread`)],
  ['Generated', escapeHtml(input.generatedAt)],
])}
<h2>Oracle</h2>
<p class="oracle-definition">${escapeHtml(oracleDefinition)}</p>
</header>
<section><h2>Targets</h2>
<p>pdscaler's row of every case against the oracle and the baselines; means are over cases, each weighing the same. Dominated: a baseline (the oracle is none) has both more attainment and fewer GPU-hours. Tuning families may have chosen defaults; held-out ones are only reported.</p>
${table(['Target', 'Figure', ''], checkRows(targets.checks))}
${table(
  [
    'Case',
    'Split',
    'pdscaler both SLOs',
    'Oracle both SLOs',
    'GPU-hours × oracle',
    'Max direction changes / 10 min, P / D',
    'Dominated by',
    ...(targets.cases[0]?.checks.map((k) => escapeHtml(k.target)) ?? []),
  ],
  targets.cases.map(pdscalerRow),
)}
<h3>Per workload family</h3>
${table(
  [
    'Family',
    'Split',
    'Cases',
    'Mean gap to the oracle’s both SLOs',
    'Mean GPU-hours × oracle',
    'Max direction changes / 10 min',
    'Cases missing a target',
  ],
  targets.families.map(familyRow),
)}
</section>
<section><h2>Every system on every case</h2>
${allSystemsTable(run)}
</section>
<section><h2>Cases</h2>
${run.cases.map((c) => caseSection(c, byId.get(c.case.id), input.tracesDir)).join('\n')}
</section>
</body>
</html>
`;
}
