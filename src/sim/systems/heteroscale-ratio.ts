// SPDX-License-Identifier: Apache-2.0
// HeteroScale's offline P/D ratio: Algorithm 1, "workload-centric policy curation" (docs/reference.md §F
// §1.5): stress-test the workload profile and keep the prefill:decode ratio that maximizes SLO-compliant
// throughput. The paper stress-tests real replicas; the backtest has only the capacity profile, so the
// stress test is worked out analytically here: prefill as an M/D/1 queue held to the TTFT SLO (as
// DistServe models it, §2.4), decode as a batch held to the TPOT SLO (Little's law). The chosen ratio
// and per-replica rates then stay fixed online ("we use a fixed P/D ratio for scaling", §1.5).
import { quantileFraction } from '../../decision/histogram-quantile.js';
import type { CapacityModel, Quantile, Role } from '../../decision/types.js';

export interface HeteroScaleRatio {
  readonly prefill: number;
  readonly decode: number;
  /** Prefill replicas per decode replica. */
  readonly ratio: number;
  /** SLO-compliant requests/s of one prefill replica at the mean ISL. */
  readonly prefillRequestsPerS: number;
  /** SLO-compliant requests/s of one decode replica at the mean ISL and OSL. */
  readonly decodeRequestsPerS: number;
  /** SLO-compliant requests/s of the chosen pair, per GPU: the objective it maximizes. */
  readonly requestsPerSPerGpu: number;
}

export interface HeteroScaleRatioInput {
  readonly capacity: CapacityModel;
  readonly gpus: Readonly<Record<Role, number>>;
  readonly slo: { readonly ttftMs: number; readonly tpotMs: number; readonly quantile: Quantile };
  readonly meanInputTokens: number;
  readonly meanOutputTokens: number;
  /** Largest replica count per role the search tries. @default 16 */
  readonly maxReplicasPerRole?: number;
}

/**
 * 16 per role covers every ratio from 1:16 to 16:1 in small integers; the per-GPU objective is scale
 * invariant, so larger pairs only repeat these ratios (ties go to the smaller pair anyway). Our choice:
 * the paper does not say how wide its stress test sweeps.
 */
const DEFAULT_MAX_REPLICAS_PER_ROLE = 16;

/** 60 halvings of (0, 1) reach the double precision of the utilisation. */
const BISECTION_STEPS = 60;

/**
 * Two pairs whose per-GPU throughput differs by less than this fraction are a tie, and the tie goes to
 * the smaller pair. 1% rather than float precision: a stress test does not measure throughput to
 * better than a percent, and an operator configures the simplest ratio it cannot tell from the best
 * (on Azure code 16:1 is within 0.8% of 37:2; a 37:2 ratio would never be written into a config).
 */
const TIE_TOLERANCE = 0.01;

export interface Md1Queue {
  /** Deterministic service time, ms: the ISL over the replica's prompt tokens/s. */
  readonly serviceMs: number;
  /** The latency quantile as a fraction, e.g. 0.9 for p90. */
  readonly quantile: number;
}

/**
 * The waiting-time quantile of an M/D/1 queue at utilisation `rho`, by the heavy-traffic exponential
 * approximation P(W > t) ≈ rho·exp(−2(1−rho)t/(rho·S)): solving for P(W > t) = 1 − q gives
 * t_q = (rho·S/(2(1−rho)))·ln(rho/(1−q)), and 0 when rho <= 1 − q (the queue is empty often enough).
 */
export function md1WaitQuantileMs(queue: Md1Queue, rho: number): number {
  if (rho <= 1 - queue.quantile) return 0;
  return ((rho * queue.serviceMs) / (2 * (1 - rho))) * Math.log(rho / (1 - queue.quantile));
}

/**
 * Requests/s one M/D/1 server sustains with service time + waiting-time quantile within `sloMs`: the
 * largest utilisation rho in (0, 1) that meets it, found by bisection (the latency only grows with rho),
 * over S. 0 when the service time alone misses the SLO.
 */
export function md1CompliantRatePerS(queue: Md1Queue, sloMs: number): number {
  if (queue.serviceMs > sloMs) return 0;
  let feasible = 0;
  let infeasible = 1;
  for (let step = 0; step < BISECTION_STEPS; step++) {
    const rho = (feasible + infeasible) / 2;
    if (queue.serviceMs + md1WaitQuantileMs(queue, rho) <= sloMs) feasible = rho;
    else infeasible = rho;
  }
  return feasible / (queue.serviceMs / 1000);
}

function prefillRequestsPerS(input: HeteroScaleRatioInput): number {
  const { capacity, slo, meanInputTokens } = input;
  const serviceMs = (meanInputTokens / capacity.prefill(meanInputTokens).tokensPerSecond) * 1000;
  const rate = md1CompliantRatePerS({ serviceMs, quantile: quantileFraction(slo.quantile) }, slo.ttftMs);
  if (rate > 0) return rate;
  throw new RangeError(
    `TTFT SLO ${slo.ttftMs} ms is unreachable at ISL ${meanInputTokens}: one prefill alone takes ${serviceMs.toFixed(1)} ms`,
  );
}

/**
 * A decode replica holds B = the largest batch within the TPOT SLO at the mean context (ISL + OSL/2);
 * each sequence stays OSL × ITL ms, so by Little's law it finishes B / (OSL × ITL / 1000) requests/s.
 */
function decodeRequestsPerS(input: HeteroScaleRatioInput): number {
  const { capacity, slo, meanInputTokens, meanOutputTokens } = input;
  const contextTokens = meanInputTokens + meanOutputTokens / 2;
  const batch = capacity.decode(contextTokens, slo.tpotMs);
  if (!batch.reachable) {
    throw new RangeError(
      `TPOT SLO ${slo.tpotMs} ms is unreachable at context ${contextTokens}: a batch of one is slower`,
    );
  }
  const itlMs = capacity.decodeItlMs(contextTokens, batch.maxBatch);
  return batch.maxBatch / ((meanOutputTokens * itlMs) / 1000);
}

interface Candidate {
  readonly prefill: number;
  readonly decode: number;
  readonly gpus: number;
  readonly requestsPerSPerGpu: number;
}

/** The smallest pair (fewest GPUs, then fewest prefill) within TIE_TOLERANCE of the best per GPU. */
function smallestNearBest(candidates: readonly Candidate[]): Candidate | undefined {
  const best = candidates.reduce((max, c) => Math.max(max, c.requestsPerSPerGpu), 0);
  let chosen: Candidate | undefined;
  for (const c of candidates) {
    if (c.requestsPerSPerGpu < best * (1 - TIE_TOLERANCE)) continue;
    if (
      chosen === undefined ||
      c.gpus < chosen.gpus ||
      (c.gpus === chosen.gpus && c.prefill < chosen.prefill)
    )
      chosen = c;
  }
  return chosen;
}

/**
 * Algorithm 1 over integer pairs (p, d) in [1, maxReplicasPerRole]²: a pair serves min(p·rP, d·rD)
 * requests/s (the slower stage bounds it) on p·gP + d·gD GPUs; the best per GPU wins, and pairs within
 * 1% of it are a tie that goes to the fewest GPUs.
 * Throws a RangeError when a stage cannot meet its SLO at the mean lengths even unloaded.
 */
export function chooseHeteroScaleRatio(input: HeteroScaleRatioInput): HeteroScaleRatio {
  const rP = prefillRequestsPerS(input);
  const rD = decodeRequestsPerS(input);
  const limit = input.maxReplicasPerRole ?? DEFAULT_MAX_REPLICAS_PER_ROLE;
  const candidates: Candidate[] = [];
  for (let prefill = 1; prefill <= limit; prefill++) {
    for (let decode = 1; decode <= limit; decode++) {
      const gpus = prefill * input.gpus.prefill + decode * input.gpus.decode;
      candidates.push({
        prefill,
        decode,
        gpus,
        requestsPerSPerGpu: Math.min(prefill * rP, decode * rD) / gpus,
      });
    }
  }
  const best = smallestNearBest(candidates);
  if (best === undefined) throw new RangeError(`maxReplicasPerRole must be at least 1, got ${limit}`);
  return {
    prefill: best.prefill,
    decode: best.decode,
    ratio: best.prefill / best.decode,
    prefillRequestsPerS: rP,
    decodeRequestsPerS: rD,
    requestsPerSPerGpu: best.requestsPerSPerGpu,
  };
}
