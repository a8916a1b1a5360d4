// SPDX-License-Identifier: Apache-2.0
// A GPU budget for systems that do not know one (the evaluation suite's budget-bound case): a cluster
// that is full leaves the pods beyond its GPUs Pending, so a system gets at most the budget whatever
// it asks for. Modelled by scaling the requested pair down in proportion until it fits; the fleet
// then runs the fitted pair, and the system sees it as the role's replicas on its next tick.
import { Roles, type Role } from '../../decision/types.js';
import type { ScalingInput, SimAutoscaler } from '../systems/types.js';

export interface BudgetLimit {
  /** GPUs the whole fleet may hold (starting, serving and draining replicas alike). */
  readonly budgetGpus: number;
  readonly gpusPerReplica: Readonly<Record<Role, number>>;
}

type Pair = Record<Role, number>;

const gpusOf = (pair: Readonly<Pair>, gpus: Readonly<Pair>): number =>
  pair.prefill * gpus.prefill + pair.decode * gpus.decode;

/** Takes replicas from the role holding the most GPUs above one replica until the pair fits. */
function shrinkToFit(fitted: Pair, limit: BudgetLimit): void {
  const gpus = limit.gpusPerReplica;
  while (gpusOf(fitted, gpus) > limit.budgetGpus) {
    const above = Roles.filter((role) => fitted[role] > 1);
    const role = above.reduce<Role | undefined>(
      (best, r) => (best === undefined || fitted[r] * gpus[r] > fitted[best] * gpus[best] ? r : best),
      undefined,
    );
    if (role === undefined) return;
    fitted[role]--;
  }
}

/**
 * Hands back GPUs the rounding left free, one replica at a time to the role furthest below its
 * proportional share, as long as it asked for more and the replica fits (a scheduler places any pod
 * that fits).
 */
function fillLeftover(fitted: Pair, asked: Readonly<Pair>, ideal: Readonly<Pair>, limit: BudgetLimit): void {
  const gpus = limit.gpusPerReplica;
  for (;;) {
    const used = gpusOf(fitted, gpus);
    const room = Roles.filter((r) => fitted[r] < asked[r] && used + gpus[r] <= limit.budgetGpus);
    const role = room.reduce<Role | undefined>(
      (best, r) => (best === undefined || ideal[r] - fitted[r] > ideal[best] - fitted[best] ? r : best),
      undefined,
    );
    if (role === undefined) return;
    fitted[role]++;
  }
}

/**
 * The pair a full cluster of `budgetGpus` runs when `pair` is asked for: unchanged when it fits;
 * otherwise both roles scaled by the same factor, rounded down, each role that asked for replicas
 * keeping at least one when the budget holds one of each, and the GPUs left by rounding handed back.
 * Never above the budget, never above what was asked.
 */
export function clampPairToBudget(pair: Readonly<Record<Role, number>>, limit: BudgetLimit): Pair {
  const gpus = limit.gpusPerReplica;
  const asked: Pair = {
    prefill: Math.max(0, Math.round(pair.prefill)),
    decode: Math.max(0, Math.round(pair.decode)),
  };
  const total = gpusOf(asked, gpus);
  if (total <= limit.budgetGpus) return asked;
  const factor = Math.max(0, limit.budgetGpus) / total;
  const keepOne = limit.budgetGpus >= gpus.prefill + gpus.decode;
  const ideal: Pair = { prefill: asked.prefill * factor, decode: asked.decode * factor };
  const share = (role: Role): number =>
    Math.min(asked[role], Math.max(keepOne && asked[role] > 0 ? 1 : 0, Math.floor(ideal[role])));
  const fitted: Pair = { prefill: share('prefill'), decode: share('decode') };
  shrinkToFit(fitted, limit);
  fillLeftover(fitted, asked, ideal, limit);
  return fitted;
}

/** A system whose every request passes through `clampPairToBudget` (its name and cadence unchanged). */
export class BudgetClamped implements SimAutoscaler {
  readonly name: string;
  readonly intervalS: number;
  readonly readsMetrics: boolean;
  readonly readsRouter: boolean;
  private readonly inner: SimAutoscaler;
  private readonly limit: BudgetLimit;

  constructor(inner: SimAutoscaler, limit: BudgetLimit) {
    this.inner = inner;
    this.limit = limit;
    this.name = inner.name;
    this.intervalS = inner.intervalS;
    this.readsMetrics = inner.readsMetrics;
    this.readsRouter = inner.readsRouter === true;
  }

  tick(input: ScalingInput): Readonly<Record<Role, number>> {
    return clampPairToBudget(this.inner.tick(input), this.limit);
  }
}
