// SPDX-License-Identifier: Apache-2.0
// The backtest report as one self-contained HTML file: inline CSS and inline SVG, no scripts and no
// external URLs, so it can be attached to a ticket or opened offline and look the same everywhere.
import type { BacktestReportData } from '../result.js';
import { reportFigures } from './charts.js';
import { escapeHtml } from './escape.js';
import { recoveryTable } from './recovery-table.js';
import { summaryTable } from './summary-table.js';

const STYLE = `
body { font-family: 'DejaVu Sans', system-ui, sans-serif; color: #222; margin: 24px; max-width: 1360px; }
h1 { margin: 0 0 12px; font-size: 26px; }
h2 { margin: 28px 0 10px; font-size: 19px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
dl.facts ul { margin: 0; padding-left: 18px; }
table { border-collapse: collapse; font-size: 14px; }
th, td { border: 1px solid #ccc; padding: 4px 10px; }
thead th { background: #f2f2f2; }
tbody th { text-align: left; }
table.summary td { text-align: right; font-variant-numeric: tabular-nums; }
tr.ours { background: #e6f0fa; font-weight: 600; }
td.below { color: #b00020; background: #fdecee; }
.oracle-definition { white-space: pre-wrap; margin: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }
figure { margin: 0; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; color: #555; margin-top: 4px; }
`;

/** "1 h 30 min (5400 s)": the unit a reader thinks in, and the exact value. */
function formatDuration(durationS: number): string {
  const s = Math.round(durationS);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const human = h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
  return `${human} (${durationS} s)`;
}

function facts(entries: readonly (readonly [string, string])[]): string {
  return `<dl class="facts">${entries.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function transformsHtml(data: BacktestReportData): string {
  if (data.transforms.length === 0) return 'none';
  return `<ul>${data.transforms.map((t) => `<li>${escapeHtml(t.description)}</li>`).join('')}</ul>`;
}

function header(data: BacktestReportData): string {
  const { trace, slo } = data.summary;
  return (
    '<h1>pdscaler backtest</h1>' +
    facts([
      ['Trace', escapeHtml(trace.name)],
      ['Requests', trace.requests.toLocaleString('en-US')],
      ['Duration', formatDuration(trace.durationS)],
      ['Transforms', transformsHtml(data)],
      ['Policy', `${escapeHtml(data.policy.name)} (<code>${escapeHtml(data.policy.file)}</code>)`],
      ['Profile', escapeHtml(data.profile)],
      ['SLO', `TTFT ≤ ${slo.ttftMs} ms and TPOT ≤ ${slo.tpotMs} ms at ${slo.quantile}`],
      ['Generated', escapeHtml(data.generatedAt)],
    ])
  );
}

function settingsTable(simulation: Readonly<Record<string, string>>): string {
  const rows = Object.entries(simulation).map(
    ([name, value]) => `<tr><th scope="row">${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`,
  );
  return `<table class="settings"><tbody>${rows.join('')}</tbody></table>`;
}

function systemNotesHtml(data: BacktestReportData): string {
  const notes = Object.entries(data.systemNotes);
  if (notes.length === 0) return '';
  return facts(notes.map(([name, note]) => [escapeHtml(name), escapeHtml(note)] as const));
}

function ratioBandSentence(data: BacktestReportData): string {
  const band = data.summary.ratioBand;
  return band === null
    ? 'The policy sets no P/D ratio band, so every ratio deviation is 0.'
    : `P/D ratio deviation is the time-weighted mean distance of the Ready ratio (${band.basis}) from the policy's band [${band.min}, ${band.max}].`;
}

/** The whole report; every piece of text from the data is escaped. */
export function renderReportHtml(data: BacktestReportData): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pdscaler backtest: ${escapeHtml(data.summary.trace.name)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
${header(data)}
<h2>Simulation settings</h2>
${settingsTable(data.simulation)}
<h2>Oracle</h2>
<p class="oracle-definition">${escapeHtml(data.oracleDefinition)}</p>
</header>
<section><h2>Summary</h2>
${summaryTable(data.summary.results)}
${systemNotesHtml(data)}
<p>Goodput per GPU-hour counts requests that met both SLOs. ${ratioBandSentence(data)}</p>
</section>
<section><h2>Recovery after load steps</h2>
${recoveryTable(data.loadSteps, data.recovery)}
</section>
<section><h2>Charts</h2>
<div class="charts">
${reportFigures(data)}
</div>
</section>
</body>
</html>
`;
}
