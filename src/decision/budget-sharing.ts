// SPDX-License-Identifier: Apache-2.0
// Sharing a binding GPU budget by marginal SLO benefit: among the feasible pairs, the one
// with the largest expected share of requests meeting both SLOs. A request passes prefill (TTFT) and
// then decode (TPOT), so the shares multiply. Cutting both roles in proportion to need ignores that
// one role's next replica may be worth far more per GPU than the other's.
import type { Pair, RoleBounds } from './joint-limits.js';
import type { Role } from './types.js';

/**
 * The expected share 0..1 of a role's requests meeting its SLO with `replicas` replicas at the
 * forecast demand, non-decreasing in `replicas` (role-demand.ts `sloShareAt`).
 */
export type SloShareCurve = (replicas: number) => number;

/** One prefill count and every decode count feasible with it (bounds, ratio band and budget hold). */
export interface FeasibleDecodes {
  readonly prefill: number;
  readonly decode: RoleBounds;
}

/** What the sharing chose and what pro rata would have given, for the explanation. */
export interface SloShareAllocation {
  readonly budgetMaxGpus: number;
  readonly pair: Pair;
  /** Each role's expected share within its SLO at `pair`. */
  readonly roleShares: Readonly<Record<Role, number>>;
  /** The expected share meeting both SLOs at `pair`: the product of the role shares. */
  readonly bothShare: number;
  readonly proRata: Pair;
  readonly proRataBothShare: number;
}

export interface AllocationInput {
  readonly feasible: Iterable<FeasibleDecodes>;
  /** The pair the roles asked for; a replica beyond a role's need adds nothing. */
  readonly need: Pair;
  readonly curves: Readonly<Record<Role, SloShareCurve>>;
  readonly gpus: Readonly<Record<Role, number>>;
  readonly budgetMaxGpus: number;
  /** The pair proportional sharing chose: the incumbent, so the result is never worse than it. */
  readonly proRata: Pair;
  /**
   * The replicas each role has now. A pair that lowers neither is kept unless another pair's
   * expected both-SLO share is more than `splitSwitchMargin` higher.
   */
  readonly current?: Pair | undefined;
}

/**
 * How much expected both-SLO share (absolute) a new split must gain to take replicas from a role
 * under a binding budget. The share estimates move by a few points from one 15 s window to the next
 * on bursty traffic; without a margin the split followed them and changed direction every few minutes.
 */
export const splitSwitchMargin = 0.02;

/**
 * A role's curve as the budget sees it: flat beyond the role's need, since more replicas than the
 * hysteresis asked for (its windows and step limits included) are not on offer. Memoized: the search
 * asks for the same counts many times and a queueing-model curve is not free.
 */
function cappedCurve(curve: SloShareCurve, need: number): SloShareCurve {
  const seen = new Map<number, number>();
  return (replicas) => {
    const n = Math.min(replicas, need);
    let share = seen.get(n);
    if (share === undefined) {
      share = curve(n);
      seen.set(n, share);
    }
    return share;
  };
}

/** The fewest replicas in [lo, hi] whose value reaches the value at `hi` (binary search: `f` is monotone). */
function fewestReaching(f: (replicas: number) => number, lo: number, hi: number): number {
  const target = f(hi);
  let low = lo;
  let high = hi;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (f(mid) >= target) high = mid;
    else low = mid + 1;
  }
  return high;
}

interface Scored {
  readonly pair: Pair;
  readonly both: number;
  /** The smaller and the larger fraction of each role's need the pair covers, each capped at 1. */
  readonly coverage: readonly [number, number];
  readonly gpus: number;
  readonly distance: number;
}

function coverageOf(pair: Pair, need: Pair): [number, number] {
  const p = need.prefill > 0 ? Math.min(1, pair.prefill / need.prefill) : 1;
  const d = need.decode > 0 ? Math.min(1, pair.decode / need.decode) : 1;
  return [Math.min(p, d), Math.max(p, d)];
}

/**
 * Higher expected both-SLO share, then fewer GPUs, then closer to the need. When no pair is expected
 * to meet the SLOs at all, the one covering the need more evenly (leximin) comes before fewer GPUs:
 * fewest GPUs then would hand every GPU back under a load the fleet is merely short for.
 */
function isBetter(a: Scored, b: Scored): boolean {
  if (a.both !== b.both) return a.both > b.both;
  if (a.both === 0) {
    for (let i = 0; i < 2; i++) {
      const x = a.coverage[i] ?? 0;
      const y = b.coverage[i] ?? 0;
      if (x !== y) return x > y;
    }
  }
  if (a.gpus !== b.gpus) return a.gpus < b.gpus;
  return a.distance < b.distance;
}

/**
 * The feasible pair maximizing the expected both-SLO share. Exact: for each prefill count the best
 * decode count is the need clamped into its feasible interval (the share is monotone in decode), lowered
 * to the fewest replicas with the same both-SLO share (the product, not decode's own share: a prefill
 * share of 0 makes every decode count equal). O(prefill range x log decode range) curve evaluations.
 */
export function allocateBySloShare(input: AllocationInput): SloShareAllocation {
  const { need, gpus } = input;
  const curves = {
    prefill: cappedCurve(input.curves.prefill, need.prefill),
    decode: cappedCurve(input.curves.decode, need.decode),
  };
  const score = (pair: Pair): Scored => ({
    pair,
    both: curves.prefill(pair.prefill) * curves.decode(pair.decode),
    coverage: coverageOf(pair, need),
    gpus: pair.prefill * gpus.prefill + pair.decode * gpus.decode,
    distance: Math.abs(pair.prefill - need.prefill) + Math.abs(pair.decode - need.decode),
  });
  const proRata = score(input.proRata);
  let best = proRata;
  let bestKeeping: Scored | undefined;
  const current = input.current;
  for (const { prefill, decode } of input.feasible) {
    const prefillShare = curves.prefill(prefill);
    const both = (replicas: number): number => prefillShare * curves.decode(replicas);
    const bestWithin = (lo: number): Scored =>
      score({ prefill, decode: fewestReaching(both, lo, Math.min(decode.hi, Math.max(lo, need.decode))) });
    const candidate = bestWithin(decode.lo);
    if (isBetter(candidate, best)) best = candidate;
    if (current === undefined || prefill < current.prefill) continue;
    const keepsDecode = Math.max(decode.lo, current.decode);
    if (keepsDecode > decode.hi) continue;
    const keeping = bestWithin(keepsDecode);
    if (bestKeeping === undefined || isBetter(keeping, bestKeeping)) bestKeeping = keeping;
  }
  // Taking replicas from a role to give them to the other is a direction change for the one that
  // gives: it is made only for a clear gain, and never below what pro rata would give.
  if (
    bestKeeping !== undefined &&
    bestKeeping.both >= proRata.both &&
    bestKeeping.both >= best.both - splitSwitchMargin
  )
    best = bestKeeping;
  return {
    budgetMaxGpus: input.budgetMaxGpus,
    pair: best.pair,
    roleShares: { prefill: curves.prefill(best.pair.prefill), decode: curves.decode(best.pair.decode) },
    bothShare: best.both,
    proRata: input.proRata,
    proRataBothShare: proRata.both,
  };
}
