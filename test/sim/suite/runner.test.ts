// SPDX-License-Identifier: Apache-2.0
// The suite runner on real worker threads and the shared traces: the same results whatever the worker
// count (only timing differs), every system on every case, longest case first, and a suite that
// cannot run refused before any work with every missing file and bad synthetic source named.
import { describe, expect, it } from 'vitest';
import { SystemNames } from '../../../src/sim/result.js';
import type { SuiteCase } from '../../../src/sim/suite/cases.js';
import { runSuite, SuiteError, type SuiteProgress, type SuiteRun } from '../../../src/sim/suite/runner.js';
import { findSuite } from '../../../src/sim/suite/suites.js';
import { byRequestsDescending, requestCounts } from '../../../src/sim/suite/work-order.js';
import { dataDir } from '../../helpers/spec.js';

const root = new URL('../../../', import.meta.url).pathname;
const files = { root, tracesDir: `${dataDir}traces` };
const smoke = findSuite('smoke')?.cases ?? [];

/** Everything but the timing fields. */
const results = (run: SuiteRun) => run.cases.map(({ case: c, data }) => ({ case: c, data }));

describe('runSuite', () => {
  it(
    'gives identical results with one and two workers, in the suite’s order',
    { timeout: 180_000 },
    async () => {
      const progress: SuiteProgress[] = [];
      const one = await runSuite({ cases: smoke, files, workers: 1, generatedAtMs: 0 });
      const two = await runSuite({
        cases: smoke,
        files,
        workers: 2,
        generatedAtMs: 0,
        onProgress: (p) => progress.push(p),
      });
      expect([one.workers, two.workers]).toEqual([1, 2]);
      expect(results(two)).toEqual(results(one));
      expect(two.cases.map((c) => c.case.id)).toEqual(smoke.map((c) => c.id));
      for (const c of two.cases) expect(c.data.summary.results.map((r) => r.name)).toEqual([...SystemNames]);
      expect(Math.max(...progress.map((p) => p.running.length))).toBe(2);
      expect(progress.at(-1)).toEqual({ done: smoke.length, total: smoke.length, running: [] });
    },
  );

  it('applies a budget override to every system: none runs above it', { timeout: 120_000 }, async () => {
    const bound = smoke.filter((c) => c.overrides?.gpuBudgetOfOraclePeak !== undefined);
    expect(bound).toHaveLength(1);
    const run = await runSuite({ cases: bound, files, workers: 1, generatedAtMs: 0 });
    const { data } = run.cases[0]!;
    const budget = Number(/GPU budget max (\d+) GPUs/.exec(data.simulation['policy override'] ?? '')?.[1]);
    expect(budget).toBeGreaterThan(0);
    for (const timeline of data.timelines) {
      const peak = Math.max(
        ...timeline.tS.map(
          (_, i) => timeline.replicas.prefill.desired[i]! + timeline.replicas.decode.desired[i]!,
        ),
      );
      expect(peak, timeline.name).toBeLessThanOrEqual(budget);
    }
  });

  it('names every missing policy, profile and trace before running anything', async () => {
    const base = smoke[0]!;
    const cases: SuiteCase[] = [
      { ...base, id: 'a', policy: 'policies/eval/missing-70b.yaml' },
      { ...base, id: 'b', profile: 'splitwise-h100-llama2-70b-tp8-missing' },
      { ...base, id: 'c', trace: 'missing.jsonl' },
      { ...base, id: 'd', trace: 'synth:mmpp?rate=0' },
    ];
    const failure = runSuite({ cases, files, workers: 2, generatedAtMs: 0 });
    await expect(failure).rejects.toThrow(SuiteError);
    await expect(failure).rejects.toMatchObject({ reason: 'inputs' });
    await expect(failure).rejects.toThrow(/policies\/eval\/missing-70b\.yaml/);
    await expect(failure).rejects.toThrow(/"splitwise-h100-llama2-70b-tp8-missing" is not a known profile/);
    await expect(failure).rejects.toThrow(/trace .*missing\.jsonl does not exist/);
    await expect(failure).rejects.toThrow(
      'case d: trace synth:mmpp?rate=0: rate must be requests per second > 0 and <= 10000, got "0"',
    );
  });

  it('refuses a case whose transform leaves no requests, naming the case', async () => {
    const cases = [{ ...smoke[0]!, id: 'past-the-end', transforms: ['slice:5h-6h'] }];
    await expect(runSuite({ cases, files, workers: 1, generatedAtMs: 0 })).rejects.toThrow(
      /the suite cannot run: case past-the-end: slice .*no requests are left/,
    );
  });
});

describe('work order', () => {
  it('puts the cases with the most requests first, ties in the suite’s order', () => {
    const cases = ['a', 'b', 'c', 'd'].map((id) => ({ ...smoke[0]!, id }));
    const counts = new Map([
      ['a', 10],
      ['b', 300],
      ['c', 10],
      ['d', 20],
    ]);
    expect(byRequestsDescending(cases, counts).map((c) => c.id)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('counts requests after the transforms, once per trace and transform list', async () => {
    const counts = await requestCounts(
      [
        { ...smoke[0]!, id: 'ten-minutes' },
        { ...smoke[0]!, id: 'twice', transforms: ['slice:0s-10m', 'scale:2'] },
      ],
      files,
    );
    expect(counts.get('twice')).toBe(2 * (counts.get('ten-minutes') ?? 0));
  });
});
