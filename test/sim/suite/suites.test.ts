// SPDX-License-Identifier: Apache-2.0
// The named suites: the standard matrix case for case (recorded traces and the
// synthetic families, each marked tuning or held out), and a small smoke suite for tests.
import { describe, expect, it } from 'vitest';
import type { SuiteCase } from '../../../src/sim/suite/cases.js';
import { findSuite, suites } from '../../../src/sim/suite/suites.js';
import { familyNames } from '../../../src/sim/trace/synth/families.js';
import { isSynthSource, parseSynthSource } from '../../../src/sim/trace/synth/spec.js';
import { parseTransformSpec } from '../../../src/sim/trace/transform-spec.js';

const standard = findSuite('standard')?.cases ?? [];
const smoke = findSuite('smoke')?.cases ?? [];
const recorded = standard.filter((c) => !isSynthSource(c.trace));
const synthetic = standard.filter((c) => isSynthSource(c.trace));
const plain = recorded.filter((c) => c.overrides === undefined);
const load = (c: SuiteCase): string => `${c.policy} ${c.transforms.join(' ') || '1x'}`;

describe('suites', () => {
  it('names standard and smoke', () => {
    expect(suites.map((s) => s.name)).toEqual(['standard', 'smoke']);
    expect(findSuite('nightly')).toBeUndefined();
  });

  it.each(suites.map((s) => [s.name, s.cases] as const))(
    '%s has unique ids, transforms the CLI accepts and synthetic sources that parse',
    (_name, cases) => {
      expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
      for (const c of cases) {
        for (const t of c.transforms) expect(parseTransformSpec(t).ok, t).toBe(true);
        if (isSynthSource(c.trace)) expect(parseSynthSource(c.trace).ok, c.trace).toBe(true);
      }
    },
  );

  it('runs the ten recorded loads at 120 s cold start, and the 10x day loads also at 60 and 300 s', () => {
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
      const coldStarts = plain.filter((c) => load(c) === l).map((c) => c.coldStartS.prefill);
      expect(coldStarts, l).toEqual(l.endsWith('scale:10') ? [120, 60, 300] : [120]);
    }
  });

  it('runs each case on its profile: 8B on the Dynamo H200 profile, 70B TP4 on the Splitwise H100 one', () => {
    for (const c of standard)
      expect(c.profile).toBe(
        c.policy.includes('70b') ? 'splitwise-h100-llama2-70b-tp4' : 'dynamo-h200-llama3.1-8b-fp8',
      );
    for (const c of recorded)
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

  it('runs every synthetic family, each case at its family', () => {
    expect([...new Set(synthetic.map((c) => c.family))].sort()).toEqual([...familyNames].sort());
    for (const c of synthetic) expect(c.trace.startsWith(`synth:${c.family}?`)).toBe(true);
  });

  it('tunes on the recorded traces, mmpp and diurnal-noise, and holds the other families out', () => {
    const splits = Object.fromEntries(standard.map((c) => [c.family, c.split]));
    expect(splits).toEqual({
      mooncake: 'tuning',
      'azure-code': 'tuning',
      mmpp: 'tuning',
      'diurnal-noise': 'tuning',
      'flash-crowd': 'held-out',
      'fast-day': 'held-out',
      'heavy-tail': 'held-out',
      'prompt-shift': 'held-out',
    });
    for (const c of standard) expect(c.split, c.id).toBe(splits[c.family]);
  });

  it('keeps smoke small: ten minutes of each trace and of on/off bursts, on the 8B profile', () => {
    expect(smoke.length).toBeLessThanOrEqual(4);
    for (const c of smoke) {
      expect(c.profile).toBe('dynamo-h200-llama3.1-8b-fp8');
      if (isSynthSource(c.trace)) {
        const parsed = parseSynthSource(c.trace);
        expect(parsed.ok && parsed.spec.durationS).toBe(600);
      } else expect(c.transforms).toEqual(['slice:0s-10m']);
    }
    expect(smoke.filter((c) => isSynthSource(c.trace)).map((c) => c.family)).toEqual(['mmpp']);
  });
});
