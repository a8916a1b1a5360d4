// SPDX-License-Identifier: Apache-2.0
// docs/serving.md states what an HPA does with pdscaler's desired-replicas metric at `AverageValue: 1`;
// every row of its table is recomputed here with the HPA's own formula (GetExternalPerPodMetricReplicas,
// docs/reference.md §D.5.2, implemented in the hpa-queue baseline), so the doc cannot drift.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hpaPerPodReplicas } from '../../src/sim/systems/hpa-queue.js';

const doc = readFileSync(new URL('../../docs/serving.md', import.meta.url), 'utf8');
const section =
  doc.split('<!-- tolerance-table:begin -->')[1]?.split('<!-- tolerance-table:end -->')[0] ?? '';
const rows = section
  .split('\n')
  .filter((line) => /^\|\s*\d/.test(line))
  .map((line) => line.split('|').map((cell) => cell.trim()))
  .map((cells) => ({
    current: Number(cells[1]),
    desired: Number(cells[2]),
    applied: Number(cells[4]),
    tolerance: Number(cells[5] === '' ? '0.1' : cells[5]),
  }));

describe('docs/serving.md: the HPA tolerance trap', () => {
  it('has a table with ignored and applied rows at both tolerances', () => {
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect(rows.some((r) => r.applied === r.current && r.desired !== r.current)).toBe(true);
    expect(rows.some((r) => r.tolerance === 0)).toBe(true);
  });

  it.each(rows)(
    'an HPA at $current replicas reading desired $desired with tolerance $tolerance runs $applied',
    ({ current, desired, applied, tolerance }) => {
      expect(hpaPerPodReplicas(desired, 1, current, tolerance)).toBe(applied);
    },
  );
});
