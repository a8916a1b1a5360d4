// SPDX-License-Identifier: Apache-2.0
// The generated `eval-targets` section of docs/backtests.md: the run, the targets met or missed, and
// one row per workload family with its split and its figures.
import { describe, expect, it } from 'vitest';
import { evalTargetsSection } from '../../../src/sim/suite/markdown.js';
import type { SuiteRun } from '../../../src/sim/suite/runner.js';
import type { SuiteTargets } from '../../../src/sim/suite/targets.js';

const run: SuiteRun = { cases: [], workers: 2, wallMs: 250_000, cpuMs: 470_000 };

const targets: SuiteTargets = {
  cases: [],
  meanAttainmentGap: 0.004,
  meanOracleRatio: 1.2,
  checks: [{ target: 'mean GPU-h <= 1.15x oracle', met: false, figure: '1.20x' }],
  families: [
    {
      family: 'mmpp',
      split: 'tuning',
      cases: 3,
      meanAttainmentGap: 0.0021,
      meanOracleRatio: 1.234,
      maxDirectionChanges: 2,
      casesMissing: 1,
    },
    {
      family: 'flash-crowd',
      split: 'held-out',
      cases: 2,
      meanAttainmentGap: -0.001,
      meanOracleRatio: 1.1,
      maxDirectionChanges: 1,
      casesMissing: 0,
    },
  ],
  met: false,
};

describe('evalTargetsSection', () => {
  const lines = evalTargetsSection('standard', run, targets);

  it('states the run and every target with its figure', () => {
    expect(lines[0]).toBe(
      'Suite `standard`: 0 cases, every system; 2 workers, wall time 4 min 10 s (250 s), CPU time 7 min 50 s (470 s). ' +
        'Means are over cases, each case weighing the same.',
    );
    expect(lines).toContain('| mean GPU-h <= 1.15x oracle | 1.20x | no |');
  });

  it('gives each family a row with its split, mean gap, mean GPU-h ratio, worst flapping and misses', () => {
    expect(lines).toContain('| mmpp | tuning | 3 | 0.21 pp | 1.23x | 2 | 1 of 3 |');
    expect(lines).toContain('| flash-crowd | held-out | 2 | -0.10 pp | 1.10x | 1 | 0 of 2 |');
  });
});
