// SPDX-License-Identifier: Apache-2.0
// The named suites: the standard matrix of issue 9 case for case, and a small smoke suite for tests.
import { describe, expect, it } from 'vitest';
import type { SuiteCase } from '../../../src/sim/suite/cases.js';
import { findSuite, suites } from '../../../src/sim/suite/suites.js';
import { parseTransformSpec } from '../../../src/sim/trace/transform-spec.js';

const standard = findSuite('standard')?.cases ?? [];
const smoke = findSuite('smoke')?.cases ?? [];
const plain = standard.filter((c) => c.overrides === undefined);
const load = (c: SuiteCase): string => `${c.policy} ${c.transforms.join(' ') || '1x'}`;

describe('suites', () => {
  it('names standard and smoke', () => {
    expect(suites.map((s) => s.name)).toEqual(['standard', 'smoke']);
    expect(findSuite('nightly')).toBeUndefined();
  });

  it.each(suites.map((s) => [s.name, s.cases] as const))(
    '%s has unique ids and transforms the CLI accepts',
    (_name, cases) => {
      expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
      for (const c of cases) for (const t of c.transforms) expect(parseTransformSpec(t).ok, t).toBe(true);
    },
  );

  it('runs the ten loads of the matrix at 60, 120 and 300 s cold start each', () => {
    expect(plain).toHaveLength(30);
    const loads = [...new Set(plain.map(load))].sort();
    expect(loads).toEqual([
      'policies/eval/azure-code-70b-h100-tp4.yaml 1x',
      'policies/eval/azure-code-70b-h100-tp4.yaml day:1h scale:3',
      'policies/eval/azure-code-8b-h200.yaml 1x',
      'policies/eval/azure-code-8b-h200.yaml day:1h scale:10',
      'policies/eval/azure-code-8b-h200.yaml day:1h scale:30',
      'policies/eval/mooncake-70b-h100-tp4.yaml 1x',
      'policies/eval/mooncake-70b-h100-tp4.yaml day:1h scale:3',
      'policies/eval/mooncake-8b-h200.yaml 1x',
      'policies/eval/mooncake-8b-h200.yaml day:1h scale:10',
      'policies/eval/mooncake-8b-h200.yaml day:1h scale:30',
    ]);
    for (const l of loads) {
      const coldStarts = plain.filter((c) => load(c) === l).map((c) => c.coldStartS);
      expect(coldStarts).toEqual([60, 120, 300].map((s) => ({ prefill: s, decode: s })));
    }
  });

  it('runs each trace on its profile: 8B on the Dynamo H200 profile, 70B TP4 on the Splitwise H100 one', () => {
    for (const c of plain)
      expect(c.profile).toBe(
        c.policy.includes('70b') ? 'splitwise-h100-llama2-70b-tp4' : 'dynamo-h200-llama3.1-8b-fp8',
      );
    for (const c of standard)
      expect(c.trace).toBe(
        c.policy.includes('mooncake')
          ? 'mooncake_conversation_trace.jsonl'
          : 'AzureLLMInferenceTrace_code.csv',
      );
  });

  it('adds a budget-bound Mooncake case and a ratio-bound Azure code case at 10x, 120 s', () => {
    const bound = standard.filter((c) => c.overrides !== undefined);
    expect(bound.map((c) => [load(c), c.coldStartS.prefill, c.overrides])).toEqual([
      ['policies/eval/mooncake-8b-h200.yaml day:1h scale:10', 120, { gpuBudgetOfOraclePeak: 0.85 }],
      [
        'policies/eval/azure-code-8b-h200.yaml day:1h scale:10',
        120,
        { ratioBandOfOracleMedian: { min: 0.5, max: 1 } },
      ],
    ]);
  });

  it('keeps smoke small: ten minutes of each trace as recorded, on the 8B profile', () => {
    expect(smoke.length).toBeGreaterThanOrEqual(2);
    expect(smoke.length).toBeLessThanOrEqual(3);
    for (const c of smoke) {
      expect(c.transforms).toEqual(['slice:0s-10m']);
      expect(c.profile).toBe('dynamo-h200-llama3.1-8b-fp8');
    }
  });
});
