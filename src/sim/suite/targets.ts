// SPDX-License-Identifier: Apache-2.0
// The suite's targets, judged as a user would, on pdscaler's row of every case and over the suite,
// each against what a user could have had instead:
//
// - both-SLO attainment at least the oracle's minus 1 pp in every case, and at most 0.3 pp below it on
//   average (the mean of the signed gaps: a case above the oracle counts negative);
// - GPU-hours at most 1.15x the oracle's on average, 1.3x in any case;
// - not dominated: no baseline (the oracle is none) has both higher attainment and fewer GPU-hours;
// - at most one direction change per role per 10 minutes.
//
// Means are over cases, each case weighing the same. Each target comes back met or missed with the
// figure it was judged on. Per family, the same figures are summed up for the docs.
import type { Role } from '../../decision/types.js';
import type { BacktestReportData, SystemName, SystemResult } from '../result.js';
import type { CaseSplit } from './cases.js';
import { maxDirectionChangesPerWindow } from './direction-changes.js';
import { percent, pp, times } from './figures.js';

export const suiteTargets = {
  /** Largest shortfall of both-SLO attainment below the oracle's in any case, as a fraction. */
  caseAttainmentGap: 0.01,
  /** Largest mean shortfall below the oracle's, as a fraction. */
  meanAttainmentGap: 0.003,
  meanOracleRatio: 1.15,
  caseOracleRatio: 1.3,
  directionChangesPer10Min: 1,
} as const;

export interface TargetCheck {
  readonly target: string;
  readonly met: boolean;
  readonly figure: string;
}

/** A baseline with more attainment on fewer GPU-hours than pdscaler in a case. */
export interface Dominator {
  readonly name: SystemName;
  readonly both: number;
  readonly gpuHours: number;
}

export interface CaseTargets {
  readonly id: string;
  readonly label: string;
  readonly family: string;
  readonly split: CaseSplit;
  /** pdscaler's share of requests meeting both SLOs. */
  readonly both: number;
  /** The oracle's (NaN without an oracle row). */
  readonly oracleBoth: number;
  /** The oracle's attainment minus pdscaler's, as a fraction: positive when pdscaler is below it. */
  readonly attainmentGap: number;
  readonly gpuHours: number;
  /** pdscaler's GPU-hours over the oracle's (NaN without an oracle row). */
  readonly oracleRatio: number;
  /** The most direction changes of each role in any 10 minutes. */
  readonly directionChanges: Readonly<Record<Role, number>>;
  readonly dominatedBy: readonly Dominator[];
  readonly checks: readonly TargetCheck[];
}

/** One workload family's cases summed up (not judged: the targets are per case and overall). */
export interface FamilyFigures {
  readonly family: string;
  readonly split: CaseSplit;
  readonly cases: number;
  /** Mean of the cases' attainment gaps to the oracle, as a fraction. */
  readonly meanAttainmentGap: number;
  readonly meanOracleRatio: number;
  /** The most direction changes of either role in any 10 minutes, over the family's cases. */
  readonly maxDirectionChanges: number;
  /** Cases where some target is missed. */
  readonly casesMissing: number;
}

export interface SuiteTargets {
  readonly cases: readonly CaseTargets[];
  readonly meanAttainmentGap: number;
  readonly meanOracleRatio: number;
  readonly families: readonly FamilyFigures[];
  readonly checks: readonly TargetCheck[];
  /** Every check met. */
  readonly met: boolean;
}

export interface EvaluatedCase {
  readonly id: string;
  readonly label: string;
  readonly family: string;
  readonly split: CaseSplit;
  readonly data: BacktestReportData;
}

/**
 * Shares are ratios of request counts and GPU-hours sums of floats: 0.99 - 0.98 is 0.0100000000000009.
 * A figure equal to its target as printed meets it.
 */
const tolerance = 1e-9;
const atMost = (value: number, limit: number): boolean => value <= limit + tolerance;

const gapTarget = `both SLOs >= oracle - ${pp(suiteTargets.caseAttainmentGap)}`;
const ratioTarget = `GPU-h <= ${times(suiteTargets.caseOracleRatio)} oracle`;
const dominanceTarget = 'no baseline has more attainment on fewer GPU-h';
const directionTarget = `<= ${suiteTargets.directionChangesPer10Min} direction change per role per 10 min`;

function resultOf(data: BacktestReportData, name: SystemName): SystemResult | undefined {
  return data.summary.results.find((r) => r.name === name);
}

/** The baselines that dominate `ours`: strictly more attainment and strictly fewer GPU-hours. */
export function dominators(ours: SystemResult, results: readonly SystemResult[]): Dominator[] {
  return results
    .filter((r) => r.name !== 'pdscaler' && r.name !== 'oracle')
    .filter((r) => r.sloAttainment.both > ours.sloAttainment.both && r.gpuHours < ours.gpuHours)
    .map((r) => ({ name: r.name, both: r.sloAttainment.both, gpuHours: r.gpuHours }));
}

function dominanceFigure(dominatedBy: readonly Dominator[]): string {
  if (dominatedBy.length === 0) return 'not dominated';
  return `dominated by ${dominatedBy
    .map((d) => `${d.name} (${percent(d.both)} on ${d.gpuHours.toFixed(2)} GPU-h)`)
    .join(', ')}`;
}

const directionFigure = (d: Readonly<Record<Role, number>>): string =>
  `prefill ${d.prefill}, decode ${d.decode}`;

/** pdscaler's figures and checks on one case; throws when the case has no pdscaler row. */
export function evaluateCase(evaluated: EvaluatedCase): CaseTargets {
  const { data } = evaluated;
  const ours = resultOf(data, 'pdscaler');
  if (ours === undefined) throw new Error(`case ${evaluated.id} has no pdscaler result`);
  const oracle = resultOf(data, 'oracle');
  const oracleBoth = oracle?.sloAttainment.both ?? NaN;
  const attainmentGap = oracleBoth - ours.sloAttainment.both;
  const oracleRatio = oracle !== undefined && oracle.gpuHours > 0 ? ours.gpuHours / oracle.gpuHours : NaN;
  const timeline = data.timelines.find((t) => t.name === 'pdscaler');
  const directionChanges =
    timeline === undefined ? { prefill: 0, decode: 0 } : maxDirectionChangesPerWindow(timeline);
  const dominatedBy = dominators(ours, data.summary.results);
  return {
    id: evaluated.id,
    label: evaluated.label,
    family: evaluated.family,
    split: evaluated.split,
    both: ours.sloAttainment.both,
    oracleBoth,
    attainmentGap,
    gpuHours: ours.gpuHours,
    oracleRatio,
    directionChanges,
    dominatedBy,
    checks: [
      {
        target: gapTarget,
        // Also missed without an oracle row (NaN): there is nothing to be within 1 pp of.
        met: atMost(attainmentGap, suiteTargets.caseAttainmentGap),
        figure: `${percent(ours.sloAttainment.both)} vs oracle ${percent(oracleBoth)} (gap ${pp(attainmentGap)})`,
      },
      {
        target: ratioTarget,
        met: atMost(oracleRatio, suiteTargets.caseOracleRatio),
        figure: times(oracleRatio),
      },
      { target: dominanceTarget, met: dominatedBy.length === 0, figure: dominanceFigure(dominatedBy) },
      {
        target: directionTarget,
        met: flapping(directionChanges) <= suiteTargets.directionChangesPer10Min,
        figure: directionFigure(directionChanges),
      },
    ],
  };
}

const mean = (values: readonly number[]): number =>
  values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;

const flapping = (d: Readonly<Record<Role, number>>): number => Math.max(d.prefill, d.decode);

interface Worst {
  /** The per-case target it summarizes. */
  readonly target: string;
  /** The case's figure; the largest is the worst. */
  readonly badness: (c: CaseTargets) => number;
  readonly show: (c: CaseTargets) => string;
}

const misses = (target: string) => (c: CaseTargets) => c.checks.some((k) => k.target === target && !k.met);

/** "worst gap 1.40 pp (mooncake-8b-day-x30-cs120); 3 of 24 cases miss". */
function everyCase(cases: readonly CaseTargets[], worst: Worst): TargetCheck {
  const first = [...cases].sort((a, b) => worst.badness(b) - worst.badness(a))[0];
  const missed = cases.filter(misses(worst.target)).length;
  return {
    target: `every case ${worst.target}`,
    met: missed === 0,
    figure:
      first === undefined
        ? 'no cases'
        : `worst ${worst.show(first)} (${first.id}); ${missed} of ${cases.length} cases miss`,
  };
}

/** "dominated in 2 of 24 cases: heteroscale (2), hpa-queue (1)". */
function dominanceCheck(cases: readonly CaseTargets[]): TargetCheck {
  const dominated = cases.filter((c) => c.dominatedBy.length > 0);
  const counts = new Map<SystemName, number>();
  for (const c of dominated) for (const d of c.dominatedBy) counts.set(d.name, (counts.get(d.name) ?? 0) + 1);
  const by = [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} (${n})`)
    .join(', ');
  return {
    target: `every case ${dominanceTarget}`,
    met: dominated.length === 0,
    figure:
      dominated.length === 0
        ? `not dominated in any of ${cases.length} cases`
        : `dominated in ${dominated.length} of ${cases.length} cases: ${by}`,
  };
}

function overallChecks(cases: readonly CaseTargets[], meanGap: number, meanRatio: number): TargetCheck[] {
  return [
    everyCase(cases, {
      target: gapTarget,
      badness: (c) => (Number.isNaN(c.attainmentGap) ? Infinity : c.attainmentGap),
      show: (c) => `gap ${pp(c.attainmentGap)}`,
    }),
    {
      target: `mean gap to the oracle's both SLOs <= ${pp(suiteTargets.meanAttainmentGap)}`,
      met: atMost(meanGap, suiteTargets.meanAttainmentGap),
      figure: pp(meanGap),
    },
    {
      target: `mean GPU-h <= ${times(suiteTargets.meanOracleRatio)} oracle`,
      met: atMost(meanRatio, suiteTargets.meanOracleRatio),
      figure: times(meanRatio),
    },
    everyCase(cases, {
      target: ratioTarget,
      badness: (c) => (Number.isNaN(c.oracleRatio) ? Infinity : c.oracleRatio),
      show: (c) => times(c.oracleRatio),
    }),
    dominanceCheck(cases),
    everyCase(cases, {
      target: directionTarget,
      badness: (c) => flapping(c.directionChanges),
      show: (c) => String(flapping(c.directionChanges)),
    }),
  ];
}

/** Per family in the order families first appear, with its split (the first case's). */
export function familyFigures(cases: readonly CaseTargets[]): FamilyFigures[] {
  const byFamily = new Map<string, CaseTargets[]>();
  for (const c of cases) byFamily.set(c.family, [...(byFamily.get(c.family) ?? []), c]);
  return [...byFamily].map(([family, members]) => ({
    family,
    split: members[0]?.split ?? 'held-out',
    cases: members.length,
    meanAttainmentGap: mean(members.map((c) => c.attainmentGap)),
    meanOracleRatio: mean(members.map((c) => c.oracleRatio)),
    maxDirectionChanges: Math.max(...members.map((c) => flapping(c.directionChanges))),
    casesMissing: members.filter((c) => c.checks.some((k) => !k.met)).length,
  }));
}

/** Every case's targets and the suite's, in the order given. */
export function evaluateSuite(evaluated: readonly EvaluatedCase[]): SuiteTargets {
  const cases = evaluated.map(evaluateCase);
  const meanAttainmentGap = mean(cases.map((c) => c.attainmentGap));
  const meanOracleRatio = mean(cases.map((c) => c.oracleRatio));
  const checks = overallChecks(cases, meanAttainmentGap, meanOracleRatio);
  return {
    cases,
    meanAttainmentGap,
    meanOracleRatio,
    families: familyFigures(cases),
    checks,
    met: checks.every((c) => c.met),
  };
}
