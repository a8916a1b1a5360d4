// SPDX-License-Identifier: Apache-2.0
// The order the runner hands cases to its workers: most requests first. A case's run time grows with
// its request count (a 30x case takes minutes, a 1x case seconds), and starting the longest first
// lets the workers finish together instead of one running a 30x case alone at the end.
import type { CaseFiles } from './case-input.js';
import { loadCaseTrace } from './case-input.js';
import type { SuiteCase } from './cases.js';

/** `cases` sorted by request count, largest first; ties keep the suite's order. */
export function byRequestsDescending(
  cases: readonly SuiteCase[],
  requests: ReadonlyMap<string, number>,
): SuiteCase[] {
  return cases
    .map((c, index) => ({ c, index, n: requests.get(c.id) ?? 0 }))
    .sort((a, b) => b.n - a.n || a.index - b.index)
    .map((x) => x.c);
}

/** Requests of each case after its transforms; cases sharing a trace and transforms load it once. */
export async function requestCounts(
  cases: readonly SuiteCase[],
  files: CaseFiles,
): Promise<Map<string, number>> {
  const byLoad = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const c of cases) {
    const key = JSON.stringify([c.trace, c.transforms]);
    let n = byLoad.get(key);
    if (n === undefined) {
      n = (await loadCaseTrace(c, files)).requests.length;
      byLoad.set(key, n);
    }
    counts.set(c.id, n);
  }
  return counts;
}
