// SPDX-License-Identifier: Apache-2.0
// A case's overrides (cases.ts) turned into the policy change the backtest applies once the oracle is
// planned: the GPU budget from the plan's peak, the ratio band from its median ratio. The plan is read
// the way the oracle system plays it back (`replicasAt` at every fleet step), so "peak" is the largest
// fleet the oracle ever asks for at one time, not the sum of each role's own peak.
import type { DecisionSpec, Role } from '../../decision/types.js';
import type { SpecAdjustment } from '../backtest.js';
import type { OraclePlan } from '../oracle.js';
import type { CaseOverrides } from './cases.js';

/** GPUs per role of the oracle's plan at every `stepS` from 0 to `durationS`. */
export function oracleGpuSeries(
  plan: Pick<OraclePlan, 'replicasAt'>,
  gpusPerReplica: Readonly<Record<Role, number>>,
  span: { readonly durationS: number; readonly stepS: number },
): Record<Role, number>[] {
  const series: Record<Role, number>[] = [];
  for (let tS = 0; tS <= span.durationS; tS += span.stepS) {
    const at = plan.replicasAt(tS);
    series.push({
      prefill: at.prefill * gpusPerReplica.prefill,
      decode: at.decode * gpusPerReplica.decode,
    });
  }
  return series;
}

/** The most GPUs the plan holds at one time (prefill plus decode). */
export function peakGpus(series: readonly Readonly<Record<Role, number>>[]): number {
  return series.reduce((peak, at) => Math.max(peak, at.prefill + at.decode), 0);
}

/** Median prefill GPUs per decode GPU over the samples where both roles have some; undefined if none. */
export function medianGpuRatio(series: readonly Readonly<Record<Role, number>>[]): number | undefined {
  const ratios = series
    .filter((at) => at.prefill > 0 && at.decode > 0)
    .map((at) => at.prefill / at.decode)
    .sort((a, b) => a - b);
  if (ratios.length === 0) return undefined;
  const middle = Math.floor(ratios.length / 2);
  return ratios.length % 2 === 1 ? ratios[middle] : ((ratios[middle - 1] ?? 0) + (ratios[middle] ?? 0)) / 2;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

function budgetOf(fraction: number, peak: number): { gpuBudgetMax: number; note: string } {
  const gpuBudgetMax = Math.floor(fraction * peak);
  return {
    gpuBudgetMax,
    note:
      `GPU budget max ${gpuBudgetMax} GPUs = floor(${fraction} x ${peak}, the oracle plan's peak); ` +
      'pdscaler and dynamo-sla take it through the policy, every other system (oracle and static-peak ' +
      'included) is clamped to it as a full cluster would: both roles scaled down in proportion to fit',
  };
}

function bandOf(
  factors: NonNullable<CaseOverrides['ratioBandOfOracleMedian']>,
  median: number,
): Pick<SpecAdjustment, 'ratio' | 'note'> {
  const ratio = {
    min: round2(factors.min * median),
    max: round2(factors.max * median),
    basis: 'gpus',
  } as const;
  return {
    ratio,
    note:
      `P/D ratio band [${ratio.min}, ${ratio.max}] in GPUs = [${factors.min}, ${factors.max}] x ` +
      `${round2(median)}, the oracle plan's median prefill/decode GPU ratio; baselines run unchanged`,
  };
}

/**
 * The adjustment for `overrides` given the oracle's plan; undefined when the case has none. A ratio
 * band needs a median, so a plan that never runs both roles leaves the policy's band.
 */
export function adjustmentFor(
  overrides: CaseOverrides | undefined,
  context: {
    readonly plan: Pick<OraclePlan, 'replicasAt'>;
    readonly spec: DecisionSpec;
    readonly durationS: number;
    readonly stepS: number;
  },
): SpecAdjustment | undefined {
  if (overrides === undefined) return undefined;
  const { roles } = context.spec;
  const gpus = { prefill: roles.prefill.gpusPerReplica, decode: roles.decode.gpusPerReplica };
  const series = oracleGpuSeries(context.plan, gpus, context);
  const budget =
    overrides.gpuBudgetOfOraclePeak === undefined
      ? undefined
      : budgetOf(overrides.gpuBudgetOfOraclePeak, peakGpus(series));
  const median = medianGpuRatio(series);
  const band =
    overrides.ratioBandOfOracleMedian === undefined || median === undefined
      ? undefined
      : bandOf(overrides.ratioBandOfOracleMedian, median);
  if (budget === undefined && band === undefined) return undefined;
  return {
    ...(budget === undefined ? {} : { gpuBudgetMax: budget.gpuBudgetMax }),
    ...(band?.ratio === undefined ? {} : { ratio: band.ratio }),
    note: [budget?.note, band?.note].filter((n) => n !== undefined).join('; '),
  };
}
