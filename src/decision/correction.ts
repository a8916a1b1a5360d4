// SPDX-License-Identifier: Apache-2.0
// One-sided online correction of the capacity model by observed latency, bounded. Dynamo's SLA
// planner divides by `observed/expected` both ways (docs/reference.md §D.1.3); a
// prefix-cache hit then removes capacity. Here a correction only ever adds capacity: the factor jumps
// to the worst observed `latency / expected` (capped at maxFactor) and decays back to 1 with a
// half-life once latency is back within expectation, so a slow start cannot compound tick after tick.
import type { DecisionSpec, EpochMs } from './types.js';

export interface CorrectionState {
  readonly factor: number;
  readonly atMs: EpochMs;
}

export function updateCorrection(
  spec: DecisionSpec['correction'],
  previous: CorrectionState | undefined,
  latencyOverExpected: number | undefined,
  nowMs: EpochMs,
): CorrectionState {
  const start = previous ?? { factor: 1, atMs: nowMs };
  const elapsedS = Math.max(0, (nowMs - start.atMs) / 1000);
  const decayed =
    1 + (start.factor - 1) * Math.pow(0.5, spec.halfLifeS > 0 ? elapsedS / spec.halfLifeS : Infinity);
  if (latencyOverExpected === undefined || !Number.isFinite(latencyOverExpected))
    return { factor: start.factor, atMs: start.atMs };
  const factor = latencyOverExpected > 1 ? Math.max(decayed, latencyOverExpected) : decayed;
  return { factor: Math.min(spec.maxFactor, Math.max(1, factor)), atMs: nowMs };
}
