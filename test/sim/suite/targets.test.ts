// SPDX-License-Identifier: Apache-2.0
// The targets of issue 9 judged on pdscaler's row: per case (>= 98% both SLOs, <= 1.3x the oracle's
// GPU-hours, <= 1 direction change per role per 10 minutes, goodput above every baseline) and over the
// suite (means >= 99% and <= 1.15x), each met or missed with its figure.
import { describe, expect, it } from 'vitest';
import type { BacktestReportData, SystemName, SystemResult } from '../../../src/sim/result.js';
import { evaluateCase, evaluateSuite, type CaseTargets } from '../../../src/sim/suite/targets.js';

interface Row {
  readonly both: number;
  readonly gpuHours: number;
  readonly goodput: number;
}

function result(name: SystemName, row: Row): SystemResult {
  return {
    name,
    sloAttainment: { ttft: row.both, tpot: 1, both: row.both },
    gpuHours: row.gpuHours,
    scaleEvents: 0,
    directionChanges: 0,
    peakReplicas: { prefill: 1, decode: 1 },
    goodputPerGpuHour: row.goodput,
    ratioDeviation: 0,
    timeToRecover: { loadSteps: 0, meanS: 0, maxS: 0, unrecovered: 0 },
  };
}

const baselines: Partial<Record<SystemName, Row>> = {
  'static-peak': { both: 1, gpuHours: 15, goodput: 1000 },
  heteroscale: { both: 0.93, gpuHours: 8, goodput: 1800 },
  oracle: { both: 0.99, gpuHours: 10, goodput: 5000 },
};

/** A case where pdscaler has `ours` and its desired prefill replicas move as `prefill` (every 15 s). */
function caseData(ours: Row, prefill: readonly number[] = [2, 2, 2]): BacktestReportData {
  const rows = { pdscaler: ours, ...baselines };
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

const good: Row = { both: 0.995, gpuHours: 11, goodput: 2000 };
const missedTargets = (c: CaseTargets): string[] => c.checks.filter((k) => !k.met).map((k) => k.target);

describe('evaluateCase', () => {
  it.each([
    ['a case meeting every target', good, undefined, []],
    ['attainment below 98%', { ...good, both: 0.975 }, undefined, ['both SLOs >= 98.00%']],
    ['more than 1.3x the oracle', { ...good, gpuHours: 13.5 }, undefined, ['GPU-h <= 1.30x oracle']],
    [
      'two direction changes within 10 minutes',
      good,
      [2, 4, 3, 5],
      ['<= 1 direction change per role per 10 min'],
    ],
    [
      'goodput only equal to a baseline',
      { ...good, goodput: 1800 },
      undefined,
      ['goodput/GPU-h above every baseline'],
    ],
  ])('judges %s', (_name, ours, prefill, missed) => {
    expect(missedTargets(evaluateCase({ id: 'c', label: 'C', data: caseData(ours, prefill) }))).toEqual(
      missed,
    );
  });

  it('gives the figures each target was judged on', () => {
    const c = evaluateCase({ id: 'c', label: 'C', data: caseData({ ...good, goodput: 1500 }, [2, 4, 3]) });
    expect(c.checks.map((k) => k.figure)).toEqual([
      '99.50%',
      '1.10x',
      'prefill 1, decode 0',
      '1,500 (best baseline heteroscale 1,800; not above heteroscale)',
    ]);
    expect(c.losesTo).toEqual(['heteroscale']);
  });

  it('never counts the oracle as a baseline', () => {
    const c = evaluateCase({ id: 'c', label: 'C', data: caseData(good) });
    expect(c.bestBaseline).toEqual({ name: 'heteroscale', goodputPerGpuHour: 1800 });
  });
});

describe('evaluateSuite', () => {
  const suiteOf = (...rows: Row[]) =>
    evaluateSuite(rows.map((row, i) => ({ id: `case-${i}`, label: `Case ${i}`, data: caseData(row) })));

  it('averages over cases, each weighing the same', () => {
    const suite = suiteOf({ ...good, both: 0.996 }, { ...good, both: 0.986, gpuHours: 12.5 });
    expect(suite.meanBoth).toBeCloseTo(0.991, 9);
    expect(suite.meanOracleRatio).toBeCloseTo(1.175, 9);
    expect(suite.checks.map((k) => [k.target, k.met])).toEqual([
      ['mean both SLOs >= 99.00%', true],
      ['mean GPU-h <= 1.15x oracle', false],
      ['every case both SLOs >= 98.00%', true],
      ['every case GPU-h <= 1.30x oracle', true],
      ['every case <= 1 direction change per role per 10 min', true],
      ['every case goodput/GPU-h above every baseline', true],
    ]);
    expect(suite.met).toBe(false);
  });

  it('names the worst case and how many miss', () => {
    const suite = suiteOf(good, { ...good, both: 0.95 }, { ...good, both: 0.97 });
    expect(suite.checks[2]).toEqual({
      target: 'every case both SLOs >= 98.00%',
      met: false,
      figure: 'worst 95.00% (case-1); 2 of 3 cases miss',
    });
  });

  it('counts the cases where a baseline has at least pdscaler’s goodput, per baseline', () => {
    const suite = suiteOf(good, { ...good, goodput: 900 }, { ...good, goodput: 1500 });
    expect(suite.checks[5]).toEqual({
      target: 'every case goodput/GPU-h above every baseline',
      met: false,
      figure:
        'not above every baseline in 2 of 3 cases; at or above pdscaler: heteroscale (2), static-peak (1)',
    });
  });
});
