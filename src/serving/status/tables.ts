// SPDX-License-Identifier: Apache-2.0
// The status page's explanation tables: the latest decision per role (the figures it used, the measured
// cold start and forecast horizon, and which rule bound the number) and the last decisions that changed a
// number. Every string is escaped: reasons
// and policy names are data, never markup.
import type { Decision, DecisionSpec, Observation, RoleDecision } from '../../decision/types.js';
import { Roles } from '../../decision/types.js';
import { escapeHtml } from '../../sim/report/escape.js';
import { formatClockUtc, formatValue } from './format.js';
import type { DecisionChange } from './history.js';

// Arrows as entities, not characters: one non-Latin-1 character makes V8 build the whole fragment as
// a two-byte string, which measured 2 ms slower per poll for three policies.
const ARROW = ' &rarr; ';

const cell = (text: string): string => `<td>${escapeHtml(text)}</td>`;

/** "3 &rarr; 5" or "stays at 3", as HTML. */
function changeCell(from: number, to: number): string {
  return `<td>${from === to ? `stays at ${from}` : `${from}${ARROW}${to}`}</td>`;
}

function limitsCell(limits: readonly string[]): string {
  return `<td>${limits.map(escapeHtml).join(ARROW)}</td>`;
}

/** What the latest-decision table reads beside the decision: the policy and what the loop observed. */
export interface LatestContext {
  readonly spec: DecisionSpec;
  readonly observation?: Observation | undefined;
}

/**
 * "measured 240 s; horizon 240 s (auto)": the role's measured cold start and the horizon the
 * forecast used, so a reader sees whether `coldStart: auto` follows the measurement or still the prior.
 */
function coldStartCell(d: RoleDecision, context: LatestContext): string {
  const measured = context.observation?.roles[d.role].coldStartS?.value;
  const auto = context.spec.roles[d.role].coldStartAuto;
  const mode = !auto ? '' : measured === undefined ? ' (auto, prior)' : ' (auto)';
  const measuredText = measured === undefined ? 'not measured' : `measured ${formatValue(measured)} s`;
  return `<td class="cold-start">${measuredText}; horizon ${formatValue(d.inputs.horizonS)} s${mode}</td>`;
}

/** "burn 1.8x; headroom x1.12": the SLO feedback loop (decision/slo-burn.ts) behind the number. */
function sloFeedbackCell(d: RoleDecision, context: LatestContext): string {
  if (!context.spec.burnRate.enabled) return '<td class="slo-feedback">off</td>';
  const burn = d.inputs.burnRate === undefined ? 'not yet measured' : `${formatValue(d.inputs.burnRate)}x`;
  return `<td class="slo-feedback">burn ${burn}; headroom x${d.inputs.sloHeadroom.toFixed(2)}</td>`;
}

function latestRow(d: RoleDecision, context: LatestContext): string {
  const i = d.inputs;
  const forecast = i.forecastDemand === undefined ? '' : ` (forecast ${formatValue(i.forecastDemand)})`;
  return (
    `<tr data-role="${d.role}"><th scope="row">${d.role}</th>` +
    changeCell(d.currentReplicas, d.desiredReplicas) +
    cell(formatValue(i.readyReplicas)) +
    cell(`${formatValue(i.measuredDemand)}${forecast} ${i.demandUnit}`) +
    cell(`${formatValue(i.observedLatencyMs)} / ${i.sloMs} ms`) +
    coldStartCell(d, context) +
    sloFeedbackCell(d, context) +
    `<td class="rule">${escapeHtml(d.boundBy)}</td>` +
    limitsCell(d.limits) +
    `<td class="reason">${escapeHtml(d.reason)}</td></tr>`
  );
}

/** The decision on the board now, one row per role. */
export function latestDecisionTable(decision: Decision, context: LatestContext): string {
  return (
    '<table class="latest"><thead><tr><th>role</th><th>replicas</th><th>ready</th><th>demand</th>' +
    '<th>latency / SLO</th><th>cold start</th><th>SLO burn / headroom</th><th>bound by</th><th>rules applied</th><th>reason</th>' +
    '</tr></thead><tbody>' +
    Roles.map((role) => latestRow(decision.roles[role], context)).join('') +
    '</tbody></table>'
  );
}

function changeRows(c: DecisionChange): string {
  return Roles.map((role, i) => {
    const r = c.roles[role];
    const shared =
      i === 0 ? `<td rowspan="2">${formatClockUtc(c.atMs)}</td><td rowspan="2">${c.gpus}</td>` : '';
    return (
      `<tr>${shared}<th scope="row">${role}</th>` +
      changeCell(r.from, r.to) +
      `<td class="rule">${escapeHtml(r.boundBy)}</td>` +
      limitsCell(r.limits) +
      `<td class="reason">${escapeHtml(r.reason)}</td></tr>`
    );
  }).join('');
}

/** The last decisions that changed a number, newest first. */
export function changesTable(changes: readonly DecisionChange[]): string {
  if (changes.length === 0) return '<p class="empty">No change of desired replicas yet.</p>';
  return (
    '<table class="changes"><thead><tr><th>at (UTC)</th><th>GPUs</th><th>role</th><th>replicas</th>' +
    '<th>bound by</th><th>rules applied</th><th>reason</th></tr></thead><tbody>' +
    changes.map(changeRows).join('') +
    '</tbody></table>'
  );
}
