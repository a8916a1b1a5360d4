// SPDX-License-Identifier: Apache-2.0
// The report's load-step table: each minute whose arrival rate rose by more than 30% over the one
// before, and how long each system took to get 60 s attainment back to 99% after it. It shows where
// a system's mean time to recover comes from (one slow step or many).
import type { LoadStep } from '../measures/load-steps.js';
import type { StepRecovery } from '../measures/recovery.js';
import type { SystemName } from '../result.js';
import { escapeHtml } from './escape.js';

/** Long traces have hundreds of noisy steps; the table shows the slowest to recover. */
const MAX_ROWS = 30;

function cell(recovery: StepRecovery | undefined): string {
  if (recovery === undefined) return '<td>—</td>';
  if (!recovery.recovered)
    return `<td class="below">never (${Math.round(recovery.censoredS)} s to the end)</td>`;
  return recovery.seconds === 0 ? '<td>0</td>' : `<td>${recovery.seconds} s</td>`;
}

const worstOf = (recovery: StepRecovery | undefined): number =>
  recovery === undefined ? 0 : recovery.recovered ? recovery.seconds : recovery.censoredS;

/** Rows ordered by the slowest recovery over all systems, at most MAX_ROWS of them. */
export function recoveryTable(
  steps: readonly LoadStep[],
  recovery: readonly { readonly name: SystemName; readonly steps: readonly StepRecovery[] }[],
): string {
  if (steps.length === 0) return '<p>No load step of more than 30% in this trace.</p>';
  const order = steps
    .map((step, i) => ({ step, i, worst: Math.max(...recovery.map((r) => worstOf(r.steps[i]))) }))
    .sort((a, b) => b.worst - a.worst || a.i - b.i)
    .slice(0, MAX_ROWS);
  const head =
    '<tr><th scope="col">Step at</th><th scope="col">Rate before → after (req/s)</th>' +
    recovery.map((r) => `<th scope="col">${escapeHtml(r.name)}</th>`).join('') +
    '</tr>';
  const rows = order.map(
    ({ step, i }) =>
      `<tr><th scope="row">${step.atS} s</th><td>${step.fromPerS.toFixed(2)} → ${step.toPerS.toFixed(2)}</td>` +
      recovery.map((r) => cell(r.steps[i])).join('') +
      '</tr>',
  );
  const caption =
    steps.length > MAX_ROWS
      ? `<p>${steps.length} load steps; the ${MAX_ROWS} slowest to recover are shown.</p>`
      : `<p>${steps.length} load steps.</p>`;
  return `${caption}<table class="summary recovery"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}
