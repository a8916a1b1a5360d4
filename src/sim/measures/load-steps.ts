// SPDX-License-Identifier: Apache-2.0
// Load steps of a trace: the minutes whose arrival rate rose by more than a threshold over the minute
// before (a step is a rise of more than 30%). Only rises count: a fall in
// load cannot push a fleet below its SLO, so there is nothing to recover from.

export interface LoadStep {
  /** Start of the minute whose rate stepped up, seconds since the trace start. */
  readonly atS: number;
  /** Arrival rate over the bin before and the bin of the step, requests per second. */
  readonly fromPerS: number;
  readonly toPerS: number;
}

export interface LoadStepOptions {
  /** Bin width, seconds. @default 60 */
  readonly binS?: number;
  /** Relative rise that makes a step (0.3 = the rate grew by more than 30%). @default 0.3 */
  readonly threshold?: number;
}

/**
 * Steps in the per-bin arrival rate. `arrivalsMs` are milliseconds since the trace start, in any
 * order; the last partial bin is ignored (its rate is not comparable). A rise from an idle bin
 * (rate 0) is a step of any size.
 */
export function findLoadSteps(
  arrivalsMs: ArrayLike<number>,
  durationS: number,
  options: LoadStepOptions = {},
): LoadStep[] {
  const binS = options.binS ?? 60;
  const threshold = options.threshold ?? 0.3;
  const bins = Math.floor(durationS / binS);
  const counts = new Float64Array(bins);
  for (let i = 0; i < arrivalsMs.length; i++) {
    const bin = Math.floor((arrivalsMs[i] ?? NaN) / 1000 / binS);
    if (bin >= 0 && bin < bins) counts[bin] = (counts[bin] ?? 0) + 1;
  }
  const steps: LoadStep[] = [];
  for (let bin = 1; bin < bins; bin++) {
    const before = counts[bin - 1] ?? 0;
    const now = counts[bin] ?? 0;
    if (now > before * (1 + threshold) && now > 0)
      steps.push({ atS: bin * binS, fromPerS: before / binS, toPerS: now / binS });
  }
  return steps;
}
