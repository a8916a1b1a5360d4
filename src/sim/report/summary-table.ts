// SPDX-License-Identifier: Apache-2.0
// The report's summary table: one row per system, with the cost relative to the oracle and any SLO
// attainment below 99 % marked, since that is where a system stops being acceptable.
import type { SystemResult } from '../result.js';
import { escapeHtml } from './escape.js';

const ATTAINMENT_TARGET = 0.99;

function attainmentCell(fraction: number): string {
  const text = `${(fraction * 100).toFixed(2)}%`;
  return fraction < ATTAINMENT_TARGET
    ? `<td class="below" title="below 99%">${text}</td>`
    : `<td>${text}</td>`;
}

/** GPU-hours as a multiple of the oracle's; a dash when there is no oracle row or it used none. */
function oracleRatio(gpuHours: number, oracle: SystemResult | undefined): string {
  if (oracle === undefined || !(oracle.gpuHours > 0)) return '—';
  return `${(gpuHours / oracle.gpuHours).toFixed(2)}×`;
}

/** Mean / max seconds over the load steps; steps that never recovered are counted and flagged. */
function recoveryCell(r: SystemResult['timeToRecover']): string {
  if (r.loadSteps === 0) return '<td title="no load step in the trace">—</td>';
  const text = `${Math.round(r.meanS)} s / ${Math.round(r.maxS)} s`;
  return r.unrecovered === 0
    ? `<td>${text}</td>`
    : `<td class="below" title="${r.unrecovered} of ${r.loadSteps} steps never recovered">${text} (${r.unrecovered} unrecovered)</td>`;
}

function row(result: SystemResult, oracle: SystemResult | undefined): string {
  const cells = [
    `<th scope="row">${escapeHtml(result.name)}</th>`,
    attainmentCell(result.sloAttainment.both),
    attainmentCell(result.sloAttainment.ttft),
    attainmentCell(result.sloAttainment.tpot),
    `<td>${result.gpuHours.toFixed(2)}</td>`,
    `<td>${oracleRatio(result.gpuHours, oracle)}</td>`,
    `<td>${result.scaleEvents}</td>`,
    `<td>${result.directionChanges}</td>`,
    `<td>${result.peakReplicas.prefill}</td>`,
    `<td>${result.peakReplicas.decode}</td>`,
    `<td>${Math.round(result.goodputPerGpuHour).toLocaleString('en-US')}</td>`,
    `<td>${result.ratioDeviation.toFixed(2)}</td>`,
    recoveryCell(result.timeToRecover),
  ];
  const attributes = result.name === 'pdscaler' ? ' class="ours"' : '';
  return `<tr${attributes} data-system="${escapeHtml(result.name)}">${cells.join('')}</tr>`;
}

/** The summary table, rows in the order of `results`. */
export function summaryTable(results: readonly SystemResult[]): string {
  const oracle = results.find((r) => r.name === 'oracle');
  const headings = [
    'System',
    'Both SLOs',
    'TTFT SLO',
    'TPOT SLO',
    'GPU-hours',
    'GPU-hours × oracle',
    'Scale events',
    'Direction changes',
    'Peak prefill',
    'Peak decode',
    'Goodput per GPU-hour',
    'P/D ratio deviation',
    'Time to recover, mean / max',
  ];
  return (
    '<table class="summary"><thead><tr>' +
    headings.map((h) => `<th scope="col">${h}</th>`).join('') +
    '</tr></thead><tbody>' +
    results.map((r) => row(r, oracle)).join('') +
    '</tbody></table>'
  );
}
