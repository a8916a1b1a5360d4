// SPDX-License-Identifier: Apache-2.0
// Time to recover: after a load step, seconds until 60 s attainment is back at 99%.
import { describe, expect, it } from 'vitest';
import type { LoadStep } from '../../../src/sim/measures/load-steps.js';
import { recoveryTimes, summarizeRecovery, type StepRecovery } from '../../../src/sim/measures/recovery.js';

/** One request per second for `durationS`, missing the SLO in [missFromS, missToS). */
function outcomes(durationS: number, missFromS: number, missToS: number, unattainable: number[] = []) {
  const arrivalMs = Array.from({ length: durationS }, (_, s) => s * 1000);
  const met = Uint8Array.from(arrivalMs, (ms) => (ms >= missFromS * 1000 && ms < missToS * 1000 ? 0 : 1));
  const attainable = Uint8Array.from(arrivalMs, (_, i) => (unattainable.includes(i) ? 0 : 1));
  return { arrivalMs, met, attainable };
}

const step = (atS: number): LoadStep => ({ atS, fromPerS: 1, toPerS: 2 });

describe('recoveryTimes', () => {
  it('is 0 when the window starting at the step already meets 99%', () => {
    expect(recoveryTimes(outcomes(600, 0, 0), [step(60)], 600)).toEqual([{ recovered: true, seconds: 0 }]);
  });

  it('counts seconds until a 60 s window after the step has no miss', () => {
    // Misses in [100, 130): the first window [t, t+60) free of them starts at t = 130.
    expect(recoveryTimes(outcomes(600, 100, 130), [step(60)], 600)).toEqual([
      { recovered: true, seconds: 70 },
    ]);
  });

  it('accepts a window at exactly 99%: one miss in a hundred', () => {
    const arrivalMs = Array.from({ length: 200 }, (_, i) => i * 600); // 100 per 60 s
    const met = Uint8Array.from(arrivalMs, (_, i) => (i === 10 ? 0 : 1));
    const r = recoveryTimes({ arrivalMs, met, attainable: new Uint8Array(200).fill(1) }, [step(0)], 120);
    expect(r).toEqual([{ recovered: true, seconds: 0 }]);
  });

  it('leaves out requests no fleet could serve, so they cannot hold attainment down forever', () => {
    // The only miss is unattainable on an idle fleet (a 126k-token prompt against a 2 s TTFT).
    expect(recoveryTimes(outcomes(600, 100, 101, [100]), [step(60)], 600)).toEqual([
      { recovered: true, seconds: 0 },
    ]);
  });

  it('is censored at the trace end when attainment never comes back', () => {
    expect(recoveryTimes(outcomes(600, 100, 600), [step(60)], 600)).toEqual([
      { recovered: false, censoredS: 540 },
    ]);
  });

  it('treats a window without arrivals as met: nothing was refused', () => {
    const arrivalMs = [0, 1000];
    const r = recoveryTimes(
      { arrivalMs, met: Uint8Array.from([0, 0]), attainable: Uint8Array.from([1, 1]) },
      [step(0)],
      300,
    );
    expect(r).toEqual([{ recovered: true, seconds: 2 }]);
  });
});

describe('summarizeRecovery', () => {
  it('averages over the steps, counting an unrecovered step up to the trace end', () => {
    const steps: StepRecovery[] = [
      { recovered: true, seconds: 0 },
      { recovered: true, seconds: 60 },
      { recovered: false, censoredS: 300 },
    ];
    expect(summarizeRecovery(steps)).toEqual({ loadSteps: 3, meanS: 120, maxS: 300, unrecovered: 1 });
  });

  it('is all zeros without a load step', () => {
    expect(summarizeRecovery([])).toEqual({ loadSteps: 0, meanS: 0, maxS: 0, unrecovered: 0 });
  });
});
