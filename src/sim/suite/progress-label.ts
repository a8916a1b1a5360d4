// SPDX-License-Identifier: Apache-2.0
// The suite's progress as one bar (src/cli/progress.ts): the cases finished plus the fraction of the
// running ones, and a label naming what runs and how far it is.
import type { SuiteProgress } from './runner.js';

/** Cases done plus the running ones' fractions, over all cases: 0..1. */
export function suiteFraction(progress: SuiteProgress): number {
  const running = progress.running.reduce((sum, r) => sum + r.fraction, 0);
  return progress.total === 0 ? 1 : (progress.done + running) / progress.total;
}

/** "12/32 cases; mooncake-8b-day-x30-cs60 45%, azure-code-8b-1x-cs60 12%". */
export function suiteLabel(progress: SuiteProgress): string {
  const running = progress.running.map((r) => `${r.id} ${Math.floor(r.fraction * 100)}%`);
  return `${progress.done}/${progress.total} cases${running.length === 0 ? '' : `; ${running.join(', ')}`}`;
}
