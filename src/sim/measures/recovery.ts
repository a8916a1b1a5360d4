// SPDX-License-Identifier: Apache-2.0
// Time to recover after a load step: seconds from the step until the SLO attainment over a
// sliding 60 s window of arrivals is back at 99% or above. Attainment here counts only requests an
// idle fleet could serve within the SLO: Mooncake has about 1.3% of prompts whose prefill alone
// exceeds a 2 s TTFT (docs/backtests.md, "Attainable"), which would keep every window of every
// system below 99% and make the measure meaningless, so unattainable requests are left out.
import type { LoadStep } from './load-steps.js';

/** Per-request outcomes in trace order. */
export interface RequestOutcomes {
  /** Arrival, ms since the trace start. */
  readonly arrivalMs: ArrayLike<number>;
  /** 1 when the request met both SLOs. */
  readonly met: Uint8Array;
  /** 1 when an idle fleet could have met both SLOs for it. */
  readonly attainable: Uint8Array;
}

export interface RecoveryOptions {
  /** Sliding window, seconds. @default 60 */
  readonly windowS?: number;
  /** Attainment to get back to. @default 0.99 */
  readonly target?: number;
  /** Window start resolution, seconds. @default 1 */
  readonly resolutionS?: number;
}

/** One step's outcome: seconds to recover, or `censoredS` (to the trace end) when it never did. */
export type StepRecovery =
  | { readonly recovered: true; readonly seconds: number }
  | { readonly recovered: false; readonly censoredS: number };

export interface RecoverySummary {
  readonly loadSteps: number;
  /** Mean seconds to recover; a step that never recovered counts its time to the trace end. */
  readonly meanS: number;
  readonly maxS: number;
  /** Steps after which attainment never got back to the target before the trace ended. */
  readonly unrecovered: number;
}

/** Prefix sums per second of attainable and met-and-attainable requests by arrival second. */
function perSecondPrefix(outcomes: RequestOutcomes, durationS: number): [Float64Array, Float64Array] {
  const seconds = Math.max(1, Math.ceil(durationS));
  const total = new Float64Array(seconds + 1);
  const met = new Float64Array(seconds + 1);
  for (let i = 0; i < outcomes.arrivalMs.length; i++) {
    if (outcomes.attainable[i] !== 1) continue;
    const s = Math.min(seconds - 1, Math.max(0, Math.floor((outcomes.arrivalMs[i] ?? 0) / 1000)));
    total[s + 1] = (total[s + 1] ?? 0) + 1;
    if (outcomes.met[i] === 1) met[s + 1] = (met[s + 1] ?? 0) + 1;
  }
  for (let s = 1; s <= seconds; s++) {
    total[s] = (total[s] ?? 0) + (total[s - 1] ?? 0);
    met[s] = (met[s] ?? 0) + (met[s - 1] ?? 0);
  }
  return [total, met];
}

/** Seconds to recover after each step, in the order of `steps`. */
export function recoveryTimes(
  outcomes: RequestOutcomes,
  steps: readonly LoadStep[],
  durationS: number,
  options: RecoveryOptions = {},
): StepRecovery[] {
  const windowS = options.windowS ?? 60;
  const target = options.target ?? 0.99;
  const resolutionS = options.resolutionS ?? 1;
  const [total, met] = perSecondPrefix(outcomes, durationS);
  const last = total.length - 1;
  const attainmentFrom = (startS: number): number => {
    const from = Math.min(last, startS);
    const to = Math.min(last, startS + windowS);
    const n = (total[to] ?? 0) - (total[from] ?? 0);
    return n === 0 ? 1 : ((met[to] ?? 0) - (met[from] ?? 0)) / n;
  };
  return steps.map((step) => {
    for (let t = step.atS; t + windowS <= last; t += resolutionS) {
      if (attainmentFrom(t) >= target) return { recovered: true, seconds: t - step.atS };
    }
    return { recovered: false, censoredS: Math.max(0, durationS - step.atS) };
  });
}

export function summarizeRecovery(recoveries: readonly StepRecovery[]): RecoverySummary {
  const seconds = recoveries.map((r) => (r.recovered ? r.seconds : r.censoredS));
  return {
    loadSteps: recoveries.length,
    meanS: seconds.length === 0 ? 0 : seconds.reduce((a, b) => a + b, 0) / seconds.length,
    maxS: seconds.length === 0 ? 0 : Math.max(...seconds),
    unrecovered: recoveries.filter((r) => !r.recovered).length,
  };
}
