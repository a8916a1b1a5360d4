// SPDX-License-Identifier: Apache-2.0
// Where a prefill/decode pair sits against the policy's ratio band: the number `pdscaler plan` explains
// and the backtest averages over time as `ratioDeviation`. Ready replicas are what serve
// traffic, so the deviation is taken on them; the desired pair is in the band by construction unless
// no pair could satisfy every bound.
import type { DecisionSpec, Role } from './types.js';

export interface RatioReport {
  readonly band: NonNullable<DecisionSpec['ratio']>;
  /** Ready prefill per Ready decode in the band's basis; undefined when either role has none Ready. */
  readonly readyRatio: number | undefined;
  /** Distance of the Ready ratio from the band, 0 inside it. */
  readonly readyDeviation: number | undefined;
  /** The desired pair's ratio in the band's basis. */
  readonly desiredRatio: number | undefined;
}

/** Distance from `ratio` to [min, max]; 0 inside. */
export function distanceToBand(ratio: number, band: { readonly min: number; readonly max: number }): number {
  if (ratio < band.min) return band.min - ratio;
  if (ratio > band.max) return ratio - band.max;
  return 0;
}

/** Prefill per decode in the basis (replicas or GPUs); undefined without a positive count on both sides. */
export function pairRatio(
  spec: DecisionSpec,
  pair: Readonly<Record<Role, number | undefined>>,
  basis: 'replicas' | 'gpus',
): number | undefined {
  const { prefill, decode } = pair;
  if (prefill === undefined || decode === undefined || prefill <= 0 || decode <= 0) return undefined;
  if (basis === 'replicas') return prefill / decode;
  return (prefill * spec.roles.prefill.gpusPerReplica) / (decode * spec.roles.decode.gpusPerReplica);
}

export function ratioReport(
  spec: DecisionSpec,
  ready: Readonly<Record<Role, number | undefined>>,
  desired: Readonly<Record<Role, number>>,
): RatioReport | undefined {
  const band = spec.ratio;
  if (band === undefined) return undefined;
  const readyRatio = pairRatio(spec, ready, band.basis);
  return {
    band,
    readyRatio,
    readyDeviation: readyRatio === undefined ? undefined : distanceToBand(readyRatio, band),
    desiredRatio: pairRatio(spec, desired, band.basis),
  };
}
