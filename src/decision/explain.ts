// SPDX-License-Identifier: Apache-2.0
// Human sentences for decisions: which rule bound each number and the figures behind it.
import type { SloShareAllocation } from './budget-sharing.js';
import type { JointResult } from './joint-limits.js';
import type { RatioReport } from './ratio-band.js';
import type { BoundRule, Decision, DecisionSpec, RoleDecision } from './types.js';

const ruleSentences: Readonly<Record<BoundRule, string>> = {
  demand: 'sized to demand',
  'slo-breach':
    'observed latency clearly breaches the SLO, so it moved at once (and never scales down during a breach)',
  'scale-up-window': 'held: demand has not stayed above the current count for the whole scale-up window',
  'scale-down-window':
    'held: the survivors have not been predicted to hold the SLO margin for the whole scale-down window',
  'scale-down-margin': 'held: fewer replicas would run above the scale-down margin of their SLO capacity',
  'direction-change':
    'held: a scale-up happened within the scale-down window, and direction does not flip inside it',
  'max-step': 'limited by the maximum step per tick',
  'pending-replicas': 'held: replicas are still starting, no new scale-up until they are ready',
  'stale-metrics': 'held: required metrics are stale, and stale data never scales down',
  'missing-metrics': 'held: required metrics are missing, and unknown is not zero',
  idle: 'confirmed idle for the whole scale-down window, so it went to the floor',
  'min-replicas': 'raised to minReplicas',
  'max-replicas': 'capped at maxReplicas',
  'schedule-floor': 'raised to an active schedule floor',
  'ratio-band': 'adjusted to keep prefill/decode inside the ratio band',
  'gpu-budget': 'fitted into the GPU budget in proportion to need',
  'burst-memory':
    'held up: bursts that went away and came back within the burst memory will likely come back, and a released replica takes a cold start to return',
  panic:
    'panic mode: a burst over the panic window needs at least the panic threshold times the ready replicas, so it scales up to the panic need at once and not down until a whole stable window passes without a burst',
};

/** What a sentence about one role needs. */
export type RoleSummary = Pick<
  RoleDecision,
  'role' | 'desiredReplicas' | 'currentReplicas' | 'boundBy' | 'inputs'
>;

/** The sentence for one rule. */
function describeRule(rule: BoundRule): string {
  return ruleSentences[rule];
}

/** 120000 -> "120,000"; 2.345 -> "2.35". By hand: toLocaleString costs microseconds per call. */
function formatNumber(x: number): string {
  if (Math.abs(x) < 100) return Number(x.toFixed(2)).toString();
  if (Math.abs(x) < 999.5) return Math.round(x).toString();
  const digits = Math.abs(Math.round(x)).toString();
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = grouped.length; i < digits.length; i += 3) grouped += `,${digits.slice(i, i + 3)}`;
  return x < 0 ? `-${grouped}` : grouped;
}

function demandClause(d: RoleSummary): string {
  const i = d.inputs;
  if (i.measuredDemand === undefined || i.capacityPerReplica === undefined || i.neededReplicas === undefined)
    return '';
  const forecast =
    i.forecastDemand !== undefined && i.forecastDemand > i.measuredDemand
      ? ` (forecast ${formatNumber(i.forecastDemand)} in ${formatNumber(i.horizonS)} s)`
      : '';
  return ` Demand ${formatNumber(i.measuredDemand)} ${i.demandUnit}${forecast} at ${formatNumber(i.capacityPerReplica)} per replica needs ${formatNumber(i.neededReplicas)} replicas.`;
}

/** 0.9712 -> "97.1%". */
function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** How a binding GPU budget was shared by marginal SLO benefit, against what pro rata would give. */
export function budgetSharingSentence(a: SloShareAllocation): string {
  const { pair, proRata } = a;
  const both = formatPercent(a.bothShare);
  const proRataText =
    pair.prefill === proRata.prefill && pair.decode === proRata.decode
      ? `pro rata gives the same pair (expected both-SLO share ${both})`
      : `pro rata would give ${proRata.prefill}/${proRata.decode} (expected both-SLO share ${formatPercent(a.proRataBothShare)} vs ${both})`;
  return (
    `GPU budget ${a.budgetMaxGpus} binds: shared by marginal SLO benefit, prefill ${pair.prefill} ` +
    `(expected TTFT share ${formatPercent(a.roleShares.prefill)}) and decode ${pair.decode} ` +
    `(expected TPOT share ${formatPercent(a.roleShares.decode)}); ${proRataText}`
  );
}

function latencyClause(spec: DecisionSpec, d: RoleSummary): string {
  const i = d.inputs;
  const name = d.role === 'prefill' ? 'TTFT' : 'TPOT';
  if (i.observedLatencyMs === undefined) return ` ${name} ${spec.slo.quantile} unknown (SLO ${i.sloMs} ms).`;
  return ` ${name} ${spec.slo.quantile} ${formatNumber(i.observedLatencyMs)} ms against a ${i.sloMs} ms SLO.`;
}

/**
 * One sentence (or three) saying what a role's number is and why. A budget shared by SLO benefit is
 * the rule of the role it cut, and a closing sentence for the other: the pair was chosen together.
 */
export function explainRole(
  spec: DecisionSpec,
  d: RoleSummary,
  joint: Pick<JointResult, 'satisfied' | 'sharing'>,
): string {
  const change =
    d.desiredReplicas === d.currentReplicas
      ? `stays at ${d.currentReplicas}`
      : `${d.currentReplicas} -> ${d.desiredReplicas}`;
  const sharing = joint.sharing === undefined ? undefined : budgetSharingSentence(joint.sharing);
  const rule = sharing !== undefined && d.boundBy === 'gpu-budget' ? sharing : describeRule(d.boundBy);
  const shared = sharing !== undefined && d.boundBy !== 'gpu-budget' ? ` ${sharing}.` : '';
  const unsatisfied = joint.satisfied
    ? ''
    : ' No prefill/decode pair meets the bounds, ratio band and GPU budget together; the bounds and held counts were kept.';
  return `${d.role} ${change}: ${rule}.${demandClause(d)}${latencyClause(spec, d)}${shared}${unsatisfied}`;
}

/**
 * The P/D ratio against the band: Ready (what serves now, the backtest's `ratioDeviation` at this
 * instant) and desired.
 */
export function ratioSentence(r: RatioReport): string {
  const band = `band [${formatNumber(r.band.min)}, ${formatNumber(r.band.max)}] (${r.band.basis})`;
  const ready =
    r.readyRatio === undefined || r.readyDeviation === undefined
      ? 'Ready ratio unknown (a role has no Ready replica)'
      : r.readyDeviation === 0
        ? `Ready ratio ${formatNumber(r.readyRatio)} is inside the ${band}`
        : `Ready ratio ${formatNumber(r.readyRatio)} is ${formatNumber(r.readyDeviation)} outside the ${band}`;
  const desired = r.desiredRatio === undefined ? 'unknown' : formatNumber(r.desiredRatio);
  return `P/D ratio: ${ready}; desired ratio ${desired}.`;
}

/** Renders a whole decision for a terminal: one block per role with its inputs. */
export function explain(decision: Decision): string {
  const lines = [
    `policy ${decision.policy} at ${new Date(decision.atMs).toISOString()}: ${decision.gpus} GPUs`,
  ];
  for (const d of Object.values(decision.roles)) {
    lines.push('', d.reason);
    lines.push(
      `  raw demand-based replicas: ${d.rawReplicas ?? 'unknown'}; rules applied: ${d.limits.join(' -> ')}`,
    );
    for (const note of d.inputs.notes) lines.push(`  - ${note}`);
  }
  if (decision.ratio !== undefined) lines.push('', ratioSentence(decision.ratio));
  return lines.join('\n');
}
