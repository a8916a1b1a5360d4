// SPDX-License-Identifier: Apache-2.0
// How far the Ready prefill/decode ratio strayed from the policy's band (`ratioDeviation`):
// the time-weighted mean of the distance from the ratio to the band, 0 inside it. The ratio is in
// the band's own basis (replicas, or GPUs when the policy says `basis: gpus`), Ready pods only,
// because that is what serves traffic (HeteroScale's startup-skew problem, docs/reference.md §F.1.5).
import { distanceToBand } from '../../decision/ratio-band.js';
import type { RatioBasis, Role } from '../../decision/types.js';

export interface RatioBand {
  readonly min: number;
  readonly max: number;
  readonly basis: RatioBasis;
}

export interface ReadySeries {
  /** Sample times, seconds since the trace start, ascending and evenly spaced. */
  readonly tS: readonly number[];
  readonly ready: Readonly<Record<Role, readonly number[]>>;
}

/**
 * The mean over the samples up to `untilS` (the trace's end; the drain afterwards is not load). A
 * sample with no Ready replica in a role has no ratio and is left out. No band (or no sample with a
 * ratio) gives 0: every ratio is inside an unbounded band.
 */
export function ratioDeviation(
  series: ReadySeries,
  band: RatioBand | undefined,
  gpusPerReplica: Readonly<Record<Role, number>>,
  untilS: number,
): number {
  if (band === undefined) return 0;
  const weight = band.basis === 'gpus' ? gpusPerReplica : { prefill: 1, decode: 1 };
  let sum = 0;
  let samples = 0;
  for (let i = 0; i < series.tS.length; i++) {
    if ((series.tS[i] ?? Infinity) > untilS) break;
    const prefill = series.ready.prefill[i] ?? 0;
    const decode = series.ready.decode[i] ?? 0;
    if (prefill <= 0 || decode <= 0) continue;
    sum += distanceToBand((prefill * weight.prefill) / (decode * weight.decode), band);
    samples++;
  }
  return samples === 0 ? 0 : sum / samples;
}
