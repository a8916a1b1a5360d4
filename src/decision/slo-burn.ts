// SPDX-License-Identifier: Apache-2.0
// Closing the loop on the SLO itself. The sizing models (prefill-queue.ts, decode-sizing.ts)
// are an open-loop first guess; whatever they did not foresee (a burstier arrival process, a slower
// engine, a router that is not least-loaded) shows up as requests missing their SLO. This measures
// the share of requests meeting the role's SLO from the engine histograms over a rolling window and
// turns it into an error-budget burn rate as SRE practice defines it: the bad share over the budget
// 1 - q, so 1 spends the budget exactly over the window (Beyer et al., "The Site Reliability
// Workbook", O'Reilly 2018, ch. 5 "Alerting on SLOs"). The burn rate drives a bounded demand
// headroom, integral-like:
// - up while both the rolling window and the last metrics window burn faster than 1 (the workbook's
//   multiwindow rule: the short window says the burn is still going on, so a scale-up already made
//   is not integrated again while the long window still remembers the misses before it);
// - never up while replicas are starting or the role is at its maximum (anti-windup: more headroom
//   cannot act there, and would be released all at once later);
// - back towards none with a half-life while the burn is below `comfortableBurnRate`;
// - held in between, so it settles instead of oscillating around the target.
import { quantileFraction } from './histogram-quantile.js';
import type { BurnRateState, CumulativeBucket, DecisionSpec, EpochMs, Quantile } from './types.js';

export type BurnRateSpec = DecisionSpec['burnRate'];

/** Below this burn rate the SLO is comfortably met and the headroom decays. */
export const comfortableBurnRate = 0.5;

/** The burn rate at which the headroom grows by `raisePerMinute` a minute; higher burns are capped here. */
const maxCountedBurnRate = 5;

/** Requests in one window: how many there were and how many met the SLO. */
export interface WindowShare {
  readonly total: number;
  readonly good: number;
}

/**
 * How many of a window's observations fell within `sloMs`, from cumulative buckets: the count at the
 * bucket bound below the SLO plus a linear share of the bucket holding it, as `histogram_quantile`
 * interpolates (prometheus/prometheus promql/quantile.go). Undefined without observations or `+Inf`.
 */
export function shareWithin(buckets: readonly CumulativeBucket[], sloMs: number): WindowShare | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const last = sorted[sorted.length - 1];
  if (last === undefined || last.le !== Infinity || !(last.count > 0)) return undefined;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const bucket of sorted) {
    const count = Math.max(lowerCount, bucket.count);
    if (bucket.le >= sloMs) {
      const inside = Number.isFinite(bucket.le)
        ? ((sloMs - lowerLe) / Math.max(1e-9, bucket.le - lowerLe)) * (count - lowerCount)
        : 0;
      return { total: last.count, good: Math.min(last.count, lowerCount + Math.max(0, inside)) };
    }
    lowerLe = bucket.le;
    lowerCount = count;
  }
  return { total: last.count, good: lowerCount };
}

/** Burn rate of one share: the bad share over the error budget. */
export function burnRateOf(share: WindowShare, quantile: Quantile): number {
  const budget = 1 - quantileFraction(quantile);
  if (!(share.total > 0) || !(budget > 0)) return 0;
  return Math.max(0, 1 - share.good / share.total) / budget;
}

export interface BurnRateStep {
  readonly state: BurnRateState;
  /** The rolling window's burn rate; undefined until it holds `minRequests`. */
  readonly burnRate: number | undefined;
}

/**
 * Folds one metrics window into the rolling counts (exponentially weighted with the window as time
 * constant, so the state is three numbers) and moves the headroom.
 */
export function updateBurnRate(input: {
  readonly spec: BurnRateSpec;
  readonly quantile: Quantile;
  readonly previous: BurnRateState | undefined;
  /** This tick's window, or undefined when it is not known (then nothing moves but the decay). */
  readonly window: WindowShare | undefined;
  /** False while replicas are starting or the role is at its maximum. */
  readonly canRaise: boolean;
  readonly nowMs: EpochMs;
}): BurnRateStep {
  const { spec, previous, window, nowMs } = input;
  const start = previous ?? { good: 0, total: 0, headroom: 1, atMs: nowMs };
  const elapsedS = Math.max(0, (nowMs - start.atMs) / 1000);
  const keep = Math.exp(-elapsedS / spec.windowS);
  const total = start.total * keep + (window?.total ?? 0);
  const good = start.good * keep + (window?.good ?? 0);
  const rolling = total >= spec.minRequests ? burnRateOf({ total, good }, input.quantile) : undefined;
  const latest = window === undefined ? undefined : burnRateOf(window, input.quantile);
  let headroom = start.headroom;
  if (rolling !== undefined && rolling > 1 && latest !== undefined && latest > 1 && input.canRaise) {
    const counted = Math.min(rolling, maxCountedBurnRate) - 1;
    headroom *= Math.exp((spec.raisePerMinute * counted * elapsedS) / 60);
  } else if (rolling === undefined || rolling < comfortableBurnRate) {
    headroom = 1 + (headroom - 1) * Math.pow(0.5, elapsedS / spec.halfLifeS);
  }
  return {
    state: { good, total, headroom: Math.min(spec.maxHeadroom, Math.max(1, headroom)), atMs: nowMs },
    burnRate: rolling,
  };
}
