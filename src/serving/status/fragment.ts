// SPDX-License-Identifier: Apache-2.0
// The live part of the status page: one section per policy with its charts and explanation tables.
// The page embeds it on load and the inline script swaps a fresh copy in on every poll. It reads the
// board and the history only: nothing here decides anything (docs/design.md: answers from memory).
import type { Decision, Role } from '../../decision/types.js';
import { Roles } from '../../decision/types.js';
import type { DecisionBoard, PublishedPolicy } from '../../loop/board.js';
import { policyKey } from '../../loop/board.js';
import { escapeHtml } from '../../sim/report/escape.js';
import { policyFigures, type PolicyFigures } from './charts.js';
import type { FigureCache } from './figure-cache.js';
import { formatAge, formatClockUtc, formatValue } from './format.js';
import type { DecisionHistory, HistorySample } from './history.js';
import { changesTable, latestDecisionTable } from './tables.js';

/** A decision older than this many loop intervals means the loop is stuck (board.ts). */
const STALE_INTERVALS = 3;

export interface StatusView {
  readonly board: DecisionBoard;
  readonly history: DecisionHistory;
  readonly nowMs: number;
  /** Keeps each policy's charts between publishes; without one every call redraws them. */
  readonly figureCache?: FigureCache;
}

/** Policies by `namespace/name` (code units, not locale), so sections stay put between polls. */
export function sortedPolicies(board: DecisionBoard): PublishedPolicy[] {
  const key = (entry: PublishedPolicy): string => policyKey(entry.namespace, entry.name);
  return [...board.list()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function budgetText(entry: PublishedPolicy, last: HistorySample | undefined): string {
  const { max } = entry.spec.gpuBudget;
  const used = last === undefined ? '' : `${last.gpusDesired} desired, ${last.gpusInUse} in use`;
  return `GPUs ${used}${max === undefined ? ' (no budget maximum)' : ` of ${max}`}`;
}

function ratioText(entry: PublishedPolicy, last: HistorySample | undefined): string {
  const band = entry.spec.ratio;
  const ratio = `P/D ${formatValue(last?.ratio)}`;
  return band === undefined
    ? `${ratio} (no band)`
    : `${ratio}, band ${band.min}&ndash;${band.max} (${band.basis})`;
}

function metaLine(
  entry: PublishedPolicy,
  decision: Decision,
  nowMs: number,
  samples: readonly HistorySample[],
): string {
  const last = samples.at(-1);
  const parts = [
    `RBG ${escapeHtml(entry.spec.rbgName)}`,
    `loop every ${entry.intervalS} s`,
    `last decision at ${formatClockUtc(decision.atMs)} UTC (${formatAge(nowMs - decision.atMs)} ago)`,
    `${samples.length} points`,
    budgetText(entry, last),
    ratioText(entry, last),
  ];
  return `<p class="meta">${parts.join(' &middot; ')}</p>`;
}

function staleWarning(entry: PublishedPolicy, decision: Decision, nowMs: number): string {
  const ageMs = nowMs - decision.atMs;
  if (ageMs <= STALE_INTERVALS * entry.intervalS * 1000) return '';
  return `<p class="stale">No decision for ${formatAge(ageMs)}: the loop may be stuck.</p>`;
}

function roleSection(role: Role, figures: PolicyFigures): string {
  return `<section class="role" data-role="${role}"><h3>${role}</h3><div class="charts">${figures.roles[role]}</div></section>`;
}

function figuresFor(entry: PublishedPolicy, decision: Decision, view: StatusView, id: string): PolicyFigures {
  const render = (): PolicyFigures =>
    policyFigures({
      id,
      spec: entry.spec,
      samples: view.history.samples(entry.namespace, entry.name),
      demandUnits: {
        prefill: decision.roles.prefill.inputs.demandUnit,
        decode: decision.roles.decode.inputs.demandUnit,
      },
    });
  if (view.figureCache === undefined) return render();
  const policy = policyKey(entry.namespace, entry.name);
  const version = view.history.version(entry.namespace, entry.name);
  return view.figureCache.figures({ policy, version, spec: entry.spec, id }, render);
}

function policyBody(entry: PublishedPolicy, decision: Decision, view: StatusView, id: string): string {
  const samples = view.history.samples(entry.namespace, entry.name);
  const figures = figuresFor(entry, decision, view, id);
  return (
    metaLine(entry, decision, view.nowMs, samples) +
    staleWarning(entry, decision, view.nowMs) +
    latestDecisionTable(decision, entry) +
    `<div class="roles">${Roles.map((role) => roleSection(role, figures)).join('')}</div>` +
    `<h3>GPU budget and P/D ratio</h3><div class="charts joint">${figures.joint}</div>` +
    '<h3>Last changes</h3>' +
    changesTable(view.history.changes(entry.namespace, entry.name))
  );
}

function policySection(entry: PublishedPolicy, view: StatusView, index: number): string {
  const key = escapeHtml(policyKey(entry.namespace, entry.name));
  const body =
    entry.decision === undefined
      ? '<p class="empty">Waiting for the first decision.</p>'
      : policyBody(entry, entry.decision, view, `p${index}`);
  return `<section class="policy" data-policy="${key}"><h2>${key}</h2>${body}</section>`;
}

/** Every policy on the board, as HTML with inline SVG. */
export function renderStatusFragment(view: StatusView): string {
  const policies = sortedPolicies(view.board);
  view.figureCache?.retainOnly(new Set(policies.map((entry) => policyKey(entry.namespace, entry.name))));
  if (policies.length === 0) return '<p class="empty">No policy published yet.</p>';
  return policies.map((entry, i) => policySection(entry, view, i)).join('\n');
}
