// SPDX-License-Identifier: Apache-2.0
// The suite's targets judged on pdscaler's row against the oracle and the baselines: per case
// (both SLOs at least the oracle's minus 1 pp, GPU-hours at most 1.3x the oracle's, not dominated by a
// baseline, at most one direction change per role per 10 minutes) and over the suite (mean gap at most
// 0.3 pp, mean GPU-hours at most 1.15x), each met or missed with its figure; and the per-family sums.
import { describe, expect, it } from 'vitest';
import type { BacktestReportData, SystemName, SystemResult } from '../../../src/sim/result.js';
import type { CaseSplit } from '../../../src/sim/suite/cases.js';
import { evaluateCase, evaluateSuite, type CaseTargets } from '../../../src/sim/suite/targets.js';

interface Row {
  readonly both: number;
  readonly gpuHours: number;
}

function result(name: SystemName, row: Row): SystemResult {
  return {
    name,
    sloAttainment: { ttft: row.both, tpot: 1, both: row.both },
    gpuHours: row.gpuHours,
    scaleEvents: 0,
    directionChanges: 0,
    peakReplicas: { prefill: 1, decode: 1 },
    goodputPerGpuHour: 0,
    ratioDeviation: 0,
    timeToRecover: { loadSteps: 0, meanS: 0, maxS: 0, unrecovered: 0 },
  };
}

const oracle: Row = { both: 0.99, gpuHours: 10 };

/** Baselines that never dominate `good`: more GPU-hours, or less attainment. */
const baselines: Partial<Record<SystemName, Row>> = {
  'static-peak': { both: 1, gpuHours: 15 },
  heteroscale: { both: 0.93, gpuHours: 8 },
};

interface Case {
  readonly ours: Row;
  /** pdscaler's desired prefill replicas, one every 15 s. */
  readonly prefill?: readonly number[];
  readonly others?: Partial<Record<SystemName, Row>>;
}

function caseData({ ours, prefill = [2, 2, 2], others = {} }: Case): BacktestReportData {
  const rows = { pdscaler: ours, ...baselines, ...others, oracle };
  const tS = prefill.map((_, i) => i * 15);
  const steady = prefill.map(() => 1);
  return {
    summary: {
      trace: { name: 't', requests: 1, durationS: 1, transform: 'none' },
      slo: { ttftMs: 500, tpotMs: 50, quantile: 'p99' },
      ratioBand: null,
      results: Object.entries(rows).map(([name, row]) => result(name as SystemName, row)),
    },
    policy: { name: 'p', file: 'p.yaml' },
    profile: 'x',
    simulation: {},
    oracleDefinition: 'oracle',
    transforms: [],
    demand: { tS: [], requestsPerS: [], promptTokensPerS: [] },
    timelines: [
      {
        name: 'pdscaler',
        tS,
        replicas: {
          prefill: { desired: prefill, ready: prefill },
          decode: { desired: steady, ready: steady },
        },
        decodeActive: steady,
      },
    ],
    latency: [],
    loadSteps: [],
    recovery: [],
    systemNotes: {},
    generatedAt: '2026-01-05T00:00:00.000Z',
  };
}

const good: Row = { both: 0.988, gpuHours: 11 };
const evaluated = (c: Case, id = 'c', family = 'mooncake', split: CaseSplit = 'tuning') => ({
  id,
  label: id.toUpperCase(),
  family,
  split,
  data: caseData(c),
});
/** An asymmetric matcher typed as the number it stands for. */
const closeTo = (value: number): number => expect.closeTo(value, 9) as number;
const missedTargets = (c: CaseTargets): string[] => c.checks.filter((k) => !k.met).map((k) => k.target);

describe('evaluateCase', () => {
  it.each<[string, Case, string[]]>([
    ['a case meeting every target', { ours: good }, []],
    ['attainment exactly 1 pp below the oracle', { ours: { ...good, both: 0.98 } }, []],
    [
      'attainment more than 1 pp below the oracle',
      { ours: { ...good, both: 0.979 } },
      ['both SLOs >= oracle - 1.00 pp'],
    ],
    ['GPU-hours exactly 1.3x the oracle', { ours: { ...good, gpuHours: 13 } }, []],
    ['more than 1.3x the oracle', { ours: { ...good, gpuHours: 13.5 } }, ['GPU-h <= 1.30x oracle']],
    [
      'a baseline with more attainment on fewer GPU-hours',
      { ours: good, others: { 'hpa-queue': { both: 0.99, gpuHours: 10.9 } } },
      ['no baseline has more attainment on fewer GPU-h'],
    ],
    [
      'a baseline with equal attainment on fewer GPU-hours (not dominating)',
      { ours: good, others: { 'hpa-queue': { both: 0.988, gpuHours: 5 } } },
      [],
    ],
    [
      'a baseline with more attainment on equal GPU-hours (not dominating)',
      { ours: good, others: { 'hpa-queue': { both: 1, gpuHours: 11 } } },
      [],
    ],
    [
      'two direction changes of one role within 10 minutes',
      { ours: good, prefill: [2, 4, 3, 5] },
      ['<= 1 direction change per role per 10 min'],
    ],
  ])('judges %s', (_name, c, missed) => {
    expect(missedTargets(evaluateCase(evaluated(c)))).toEqual(missed);
  });

  it('never counts the oracle as a dominating baseline', () => {
    const c = evaluateCase(evaluated({ ours: { both: 0.985, gpuHours: 12 } }));
    expect(c.dominatedBy).toEqual([]);
  });

  it('gives the figures each target was judged on', () => {
    const c = evaluateCase(
      evaluated({
        ours: { both: 0.975, gpuHours: 12 },
        prefill: [2, 4, 3],
        others: { 'hpa-queue': { both: 0.98, gpuHours: 9.5 } },
      }),
    );
    expect(c.checks.map((k) => [k.target, k.figure, k.met])).toEqual([
      ['both SLOs >= oracle - 1.00 pp', '97.50% vs oracle 99.00% (gap 1.50 pp)', false],
      ['GPU-h <= 1.30x oracle', '1.20x', true],
      [
        'no baseline has more attainment on fewer GPU-h',
        'dominated by hpa-queue (98.00% on 9.50 GPU-h)',
        false,
      ],
      ['<= 1 direction change per role per 10 min', 'prefill 1, decode 0', true],
    ]);
  });

  it('misses the attainment target when there is no oracle to compare with', () => {
    const data = caseData({ ours: good });
    const withoutOracle = {
      ...data,
      summary: { ...data.summary, results: data.summary.results.filter((r) => r.name !== 'oracle') },
    };
    const c = evaluateCase({ ...evaluated({ ours: good }), data: withoutOracle });
    expect(missedTargets(c)).toEqual(['both SLOs >= oracle - 1.00 pp', 'GPU-h <= 1.30x oracle']);
  });
});

describe('evaluateSuite', () => {
  const suiteOf = (...cases: Case[]) => evaluateSuite(cases.map((c, i) => evaluated(c, `case-${i}`)));

  it('averages the signed gaps and the GPU-hour ratios over cases, each weighing the same', () => {
    const suite = suiteOf({ ours: { both: 0.995, gpuHours: 11 } }, { ours: { both: 0.981, gpuHours: 12.5 } });
    expect(suite.meanAttainmentGap).toBeCloseTo(0.002, 9);
    expect(suite.meanOracleRatio).toBeCloseTo(1.175, 9);
    expect(suite.checks.map((k) => [k.target, k.met])).toEqual([
      ['every case both SLOs >= oracle - 1.00 pp', true],
      ["mean gap to the oracle's both SLOs <= 0.30 pp", true],
      ['mean GPU-h <= 1.15x oracle', false],
      ['every case GPU-h <= 1.30x oracle', true],
      ['every case no baseline has more attainment on fewer GPU-h', true],
      ['every case <= 1 direction change per role per 10 min', true],
    ]);
    expect(suite.met).toBe(false);
  });

  it.each<[string, Case[], { index: number; figure: string; met: boolean }]>([
    [
      'a mean gap of 0.30 pp',
      [{ ours: { ...good, both: 0.987 } }],
      { index: 1, figure: '0.30 pp', met: true },
    ],
    [
      'a mean gap above 0.30 pp',
      [{ ours: { ...good, both: 0.985 } }, { ours: { ...good, both: 0.988 } }],
      { index: 1, figure: '0.35 pp', met: false },
    ],
    [
      'every case within 1 pp',
      [{ ours: good }],
      { index: 0, figure: 'worst gap 0.20 pp (case-0); 0 of 1 cases miss', met: true },
    ],
  ])('judges %s', (_name, cases, { index, figure, met }) => {
    const check = suiteOf(...cases).checks[index];
    expect([check?.figure, check?.met]).toEqual([figure, met]);
  });

  it('names the worst case and how many miss', () => {
    const suite = suiteOf(
      { ours: good },
      { ours: { ...good, both: 0.95 } },
      { ours: { ...good, both: 0.97 } },
    );
    expect(suite.checks[0]).toEqual({
      target: 'every case both SLOs >= oracle - 1.00 pp',
      met: false,
      figure: 'worst gap 4.00 pp (case-1); 2 of 3 cases miss',
    });
  });

  it('counts the dominated cases per dominating baseline', () => {
    const hpa = { 'hpa-queue': { both: 0.99, gpuHours: 10.5 } };
    const suite = suiteOf(
      { ours: good },
      { ours: good, others: hpa },
      { ours: good, others: { ...hpa, 'dynamo-sla': { both: 0.989, gpuHours: 3 } } },
    );
    expect(suite.checks[4]).toEqual({
      target: 'every case no baseline has more attainment on fewer GPU-h',
      met: false,
      figure: 'dominated in 2 of 3 cases: hpa-queue (2), dynamo-sla (1)',
    });
  });

  it('sums up each family with its split, in the order the families first appear', () => {
    const suite = evaluateSuite([
      evaluated({ ours: { both: 0.985, gpuHours: 12 } }, 'a', 'mmpp', 'tuning'),
      evaluated({ ours: { both: 0.99, gpuHours: 11 }, prefill: [2, 4, 3, 5] }, 'b', 'fast-day', 'held-out'),
      evaluated({ ours: { both: 0.975, gpuHours: 14 } }, 'c', 'mmpp', 'tuning'),
    ]);
    expect(suite.families).toEqual([
      {
        family: 'mmpp',
        split: 'tuning',
        cases: 2,
        meanAttainmentGap: closeTo(0.01),
        meanOracleRatio: closeTo(1.3),
        maxDirectionChanges: 0,
        casesMissing: 1,
      },
      {
        family: 'fast-day',
        split: 'held-out',
        cases: 1,
        meanAttainmentGap: 0,
        meanOracleRatio: closeTo(1.1),
        maxDirectionChanges: 2,
        casesMissing: 1,
      },
    ]);
  });
});
