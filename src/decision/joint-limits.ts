// SPDX-License-Identifier: Apache-2.0
// Limits that bind the prefill and decode numbers together: per-role bounds (min/max and schedule
// floors), the P/D ratio band (no peer enforces one: aibrix#2613, kthena#905) and the GPU budget.
// Order: clamp to bounds, then raise the lower side of the ratio, then fit the budget (by marginal SLO
// benefit when the policy says so and both roles have an SLO-share curve, otherwise proportionally to
// need), lowering a side for the ratio only when the budget forces it.
import {
  allocateBySloShare,
  type FeasibleDecodes,
  type SloShareAllocation,
  type SloShareCurve,
} from './budget-sharing.js';
import type { BoundRule, DecisionSpec, Role } from './types.js';

export interface Pair {
  readonly prefill: number;
  readonly decode: number;
}

export interface RoleBounds {
  readonly lo: number;
  readonly hi: number;
}

export interface JointConstraints {
  readonly bounds: Readonly<Record<Role, RoleBounds>>;
  readonly ratio: DecisionSpec['ratio'];
  readonly gpuBudget: DecisionSpec['gpuBudget'];
  readonly gpus: Readonly<Record<Role, number>>;
  /**
   * Each role's expected share of requests within its SLO by replica count (role-demand.ts
   * `sloShareAt`); with both present and `gpuBudget.sharing` marginal-slo, a binding budget maximum is
   * shared by them.
   */
  readonly sloShare?: Readonly<Record<Role, SloShareCurve>>;
  /** The replicas each role has now: the budget sharing keeps a split that lowers neither if it can. */
  readonly current?: Pair;
}

export function gpusOf(c: JointConstraints, pair: Pair): number {
  return pair.prefill * c.gpus.prefill + pair.decode * c.gpus.decode;
}

function units(c: JointConstraints, role: Role): number {
  return c.ratio?.basis === 'gpus' ? c.gpus[role] : 1;
}

/** Is prefill/decode inside the band? Both zero is allowed (scaled to zero together). */
function ratioHolds(c: JointConstraints, pair: Pair): boolean {
  if (c.ratio === undefined) return true;
  const p = pair.prefill * units(c, 'prefill');
  const d = pair.decode * units(c, 'decode');
  if (p === 0 && d === 0) return true;
  return p >= c.ratio.min * d - 1e-9 && p <= c.ratio.max * d + 1e-9;
}

function budgetHolds(c: JointConstraints, pair: Pair): boolean {
  const total = gpusOf(c, pair);
  return (
    (c.gpuBudget.max === undefined || total <= c.gpuBudget.max) &&
    (c.gpuBudget.min === undefined || total >= c.gpuBudget.min)
  );
}

function inBounds(c: JointConstraints, pair: Pair): boolean {
  return (['prefill', 'decode'] as const).every(
    (r) => pair[r] >= c.bounds[r].lo && pair[r] <= c.bounds[r].hi,
  );
}

export function feasible(c: JointConstraints, pair: Pair): boolean {
  return inBounds(c, pair) && ratioHolds(c, pair) && budgetHolds(c, pair);
}

/** Feasible decode counts for a given prefill count, as an interval (empty when lo > hi). */
function decodeInterval(c: JointConstraints, prefill: number): RoleBounds {
  let lo = c.bounds.decode.lo;
  let hi = c.bounds.decode.hi;
  if (c.ratio !== undefined) {
    const p = prefill * units(c, 'prefill');
    const ud = units(c, 'decode');
    hi = Math.min(hi, p === 0 ? 0 : Math.floor(p / (c.ratio.min * ud) + 1e-9));
    lo = Math.max(lo, p === 0 ? 0 : Math.ceil(p / (c.ratio.max * ud) - 1e-9));
    if (p === 0) lo = Math.max(lo, 0);
  }
  const spare = (limit: number): number => (limit - prefill * c.gpus.prefill) / c.gpus.decode;
  if (c.gpuBudget.max !== undefined) hi = Math.min(hi, Math.floor(spare(c.gpuBudget.max) + 1e-9));
  if (c.gpuBudget.min !== undefined) lo = Math.max(lo, Math.ceil(spare(c.gpuBudget.min) - 1e-9));
  return { lo, hi };
}

/** Each prefill count within its bounds that has a feasible decode count, with those decode counts. */
function* feasibleDecodes(c: JointConstraints): Generator<FeasibleDecodes> {
  for (let prefill = c.bounds.prefill.lo; prefill <= c.bounds.prefill.hi; prefill++) {
    const decode = decodeInterval(c, prefill);
    if (decode.lo <= decode.hi) yield { prefill, decode };
  }
}

/**
 * How well a pair serves the need, leximin: the smaller fulfilled fraction first, then the larger,
 * each capped at 1 (a pair covering the need scores [1, 1]). Comparing only the smaller fraction let
 * ties fall to "fewest GPUs" and drop the other role needlessly (found by the property tests).
 */
function fairness(pair: Pair, need: Pair): [number, number] {
  const p = Math.min(1, need.prefill > 0 ? pair.prefill / need.prefill : 1);
  const d = Math.min(1, need.decode > 0 ? pair.decode / need.decode : 1);
  return [Math.min(p, d), Math.max(p, d)];
}

/**
 * The feasible pair closest to `need` when the closed-form ratio step is not enough: the pair that
 * serves the need most evenly (proportional to need when the budget ceiling binds), then over the
 * ceiling the one using the most of the budget, otherwise the smallest. O(prefill range), run only
 * when a joint limit binds.
 */
export function searchFeasible(c: JointConstraints, need: Pair): Pair | undefined {
  let best: Pair | undefined;
  let bestKey: readonly number[] = [];
  const overBudget = c.gpuBudget.max !== undefined && gpusOf(c, need) > c.gpuBudget.max;
  for (const { prefill, decode: interval } of feasibleDecodes(c)) {
    const candidates = new Set([
      interval.lo,
      interval.hi,
      Math.min(interval.hi, Math.max(interval.lo, need.decode)),
    ]);
    for (const decode of candidates) {
      const pair = { prefill, decode };
      if (!feasible(c, pair)) continue;
      const distance = Math.abs(prefill - need.prefill) + Math.abs(decode - need.decode);
      const total = gpusOf(c, pair);
      // Serve the need as evenly as possible (a pair covering it scores 1), then over the ceiling use the
      // most of the budget, otherwise the fewest GPUs.
      const key = [...fairness(pair, need), overBudget ? total : -total, -distance];
      if (best === undefined || isBetter(key, bestKey)) {
        best = pair;
        bestKey = key;
      }
    }
  }
  return best;
}

function isBetter(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return false;
}

/** Raises the lower side of the ratio (closed form); lowers the other only when the raised side hits its max. */
function raiseForRatio(c: JointConstraints, pair: Pair): Pair {
  const ratio = c.ratio;
  if (ratio === undefined || ratioHolds(c, pair)) return pair;
  const up = units(c, 'prefill');
  const ud = units(c, 'decode');
  const { prefill, decode } = pair;
  if (prefill * up < ratio.min * decode * ud) {
    const needed = Math.ceil((ratio.min * decode * ud) / up - 1e-9);
    if (needed <= c.bounds.prefill.hi) return { prefill: needed, decode };
    const hi = c.bounds.prefill.hi;
    return { prefill: hi, decode: Math.floor((hi * up) / (ratio.min * ud) + 1e-9) };
  }
  const needed = Math.ceil((prefill * up) / (ratio.max * ud) - 1e-9);
  if (needed <= c.bounds.decode.hi) return { prefill, decode: needed };
  const hi = c.bounds.decode.hi;
  return { prefill: Math.floor((ratio.max * hi * ud) / up + 1e-9), decode: hi };
}

export interface JointResult {
  readonly pair: Pair;
  readonly rules: Readonly<Record<Role, readonly BoundRule[]>>;
  /** False when no pair satisfies every limit (possible only when a held role pins a side). */
  readonly satisfied: boolean;
  /** Present when a binding budget maximum was shared by marginal SLO benefit. */
  readonly sharing?: SloShareAllocation;
}

function clampRole(b: RoleBounds, value: number): number {
  return Math.min(b.hi, Math.max(b.lo, value));
}

type RoleRules = Readonly<Record<Role, readonly BoundRule[]>>;

/** The rules that changed each role from `before` to `after`, appended to `earlier`. */
function changed(
  earlier: RoleRules,
  before: Pair,
  after: Pair,
  rule: (role: Role, before: number) => BoundRule,
): RoleRules {
  const rulesOf = (role: Role): readonly BoundRule[] =>
    before[role] === after[role] ? earlier[role] : [...earlier[role], rule(role, before[role])];
  return { prefill: rulesOf('prefill'), decode: rulesOf('decode') };
}

/** Applies bounds, ratio band and GPU budget to the pair the per-role hysteresis proposed. */
export function applyJointLimits(
  c: JointConstraints,
  proposed: Pair,
  boundRule: (role: Role, value: number) => BoundRule,
): JointResult {
  const clamped = {
    prefill: clampRole(c.bounds.prefill, proposed.prefill),
    decode: clampRole(c.bounds.decode, proposed.decode),
  };
  const clampRules = changed({ prefill: [], decode: [] }, proposed, clamped, boundRule);
  const ratioed = raiseForRatio(c, clamped);
  if (feasible(c, ratioed)) {
    return {
      pair: ratioed,
      rules: changed(clampRules, clamped, ratioed, () => 'ratio-band'),
      satisfied: true,
    };
  }
  const searched = searchFeasible(c, clamped);
  // No pair meets every limit (a policy changed under a held role, or a band the compiler would
  // reject): keep the bounds and the held floors, which are never traded away, and say so.
  if (searched === undefined) return { pair: clamped, rules: clampRules, satisfied: false };
  const budgetBinds =
    !budgetHolds(c, ratioed) || (c.gpuBudget.max !== undefined && gpusOf(c, ratioed) === c.gpuBudget.max);
  const rule: BoundRule = budgetBinds ? 'gpu-budget' : 'ratio-band';
  const sharing = shareBySloBenefit(c, { need: clamped, ratioed, proRata: searched });
  const pair = sharing?.pair ?? searched;
  return {
    pair,
    rules: changed(clampRules, clamped, pair, () => rule),
    satisfied: true,
    ...(sharing === undefined ? {} : { sharing }),
  };
}

/**
 * Does the budget maximum change the answer? The ratio-raised pair is over it, and so is the pair the
 * search would choose without it (the closed form can miss the band by an integer step, and the search
 * may then fit under the maximum: the band binds there, not the budget).
 */
function budgetMaxBinds(c: JointConstraints, need: Pair, ratioed: Pair): boolean {
  const max = c.gpuBudget.max;
  if (max === undefined || gpusOf(c, ratioed) <= max) return false;
  const withoutMax = { ...c, gpuBudget: { ...c.gpuBudget, max: undefined } };
  if (feasible(withoutMax, ratioed)) return true;
  const chosen = searchFeasible(withoutMax, need);
  return chosen !== undefined && gpusOf(c, chosen) > max;
}

/**
 * The binding budget maximum shared by marginal SLO benefit (budget-sharing.ts), or undefined to keep
 * the proportional pair: the policy says `proportional`, a role has no curve, or the maximum does not bind.
 */
function shareBySloBenefit(
  c: JointConstraints,
  pairs: { readonly need: Pair; readonly ratioed: Pair; readonly proRata: Pair },
): SloShareAllocation | undefined {
  const { max, sharing } = c.gpuBudget;
  if (sharing !== 'marginal-slo' || c.sloShare === undefined || max === undefined) return undefined;
  if (!budgetMaxBinds(c, pairs.need, pairs.ratioed)) return undefined;
  return allocateBySloShare({
    feasible: feasibleDecodes(c),
    need: pairs.need,
    curves: c.sloShare,
    gpus: c.gpus,
    budgetMaxGpus: max,
    proRata: pairs.proRata,
    current: c.current,
  });
}
