// SPDX-License-Identifier: Apache-2.0
// Prefill sized by the TTFT quantile of a queue, not by the mean rate: the lessons' Dynamo-2025
// formula (mean rate over per-replica throughput, no queueing headroom) fell to 10-80% attainment
// (docs/reference.md §G.3). Replicas behind a least-loaded router are modelled as a G/G/c queue:
// arrivals at the forecast rate, each prompt served in its unloaded prefill time. The wait is Erlang C
// with the Allen-Cunneen correction for arrival and service-time variability, and its tail the
// heavy-traffic exponential P(W > t) = C(c, a) exp(-(c mu - lambda) t 2 / (ca^2 + cs^2)) (Kingman);
// ca^2 is 1 for Poisson arrivals and measured otherwise (arrival-dispersion.ts).
// Prompts are taken per prompt-length bucket, so a long prompt has less slack under the SLO than a
// short one; prompts whose prefill alone misses the SLO are left out (decision/unattainable.ts).

/** One class of prompts: its share of arrivals and its unloaded prefill time. */
export interface PromptClass {
  readonly share: number;
  readonly serviceMs: number;
}

export interface PrefillQueueLoad {
  readonly arrivalsPerS: number;
  readonly classes: readonly PromptClass[];
  readonly ttftSloMs: number;
  /** Squared coefficient of variation of the arrivals (arrival-dispersion.ts); 1, Poisson, when absent. */
  readonly arrivalScv?: number;
}

export interface Moments {
  readonly meanServiceMs: number;
  /** Squared coefficient of variation of the service time. */
  readonly scv: number;
}

/** Mean and squared coefficient of variation over the classes, each weighted by its share. */
export function moments(classes: readonly PromptClass[]): Moments {
  let total = 0;
  let mean = 0;
  let second = 0;
  for (const c of classes) {
    total += c.share;
    mean += c.share * c.serviceMs;
    second += c.share * c.serviceMs * c.serviceMs;
  }
  if (!(total > 0) || !(mean > 0)) return { meanServiceMs: 0, scv: 0 };
  mean /= total;
  second /= total;
  return { meanServiceMs: mean, scv: Math.max(0, second / (mean * mean) - 1) };
}

/**
 * Erlang C: the probability an arrival waits, with `servers` servers and offered load `erlangs`, by
 * the stable Erlang-B recursion B(k) = a B(k-1) / (k + a B(k-1)). 1 when the queue is unstable.
 */
export function erlangC(servers: number, erlangs: number): number {
  if (erlangs <= 0) return 0;
  if (servers <= erlangs) return 1;
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (erlangs * b) / (k + erlangs * b);
  const rho = erlangs / servers;
  return b / (1 - rho * (1 - b));
}

/** What an overloaded count is worth at most, as a share of the first stable count's (see below). */
const overloadedWorth = 0.5;

/** Share of attainable prompts whose TTFT (wait + own prefill) is within the SLO with `replicas`. */
export function ttftSloShare(load: PrefillQueueLoad, replicas: number): number {
  const { meanServiceMs, scv } = moments(load.classes);
  const attainable = load.classes.filter((c) => c.serviceMs <= load.ttftSloMs && c.share > 0);
  const attainableShare = attainable.reduce((sum, c) => sum + c.share, 0);
  if (attainableShare <= 0 || load.arrivalsPerS <= 0 || meanServiceMs <= 0) return 1;
  const erlangs = (load.arrivalsPerS * meanServiceMs) / 1000;
  // Overloaded, the queue grows for as long as the overload lasts and the replicas finish only
  // `replicas / erlangs` of the work. A flat 0 made every overloaded count equal, and a GPU budget
  // shared by this curve then broke the tie towards the fewest GPUs (prefill 22 -> 1 under load). So
  // an overloaded count is worth its served fraction of at most half the first stable count's share:
  // still rising with every replica, and below any stable count, which is what a ranking needs.
  if (replicas <= erlangs) {
    const firstStable = Math.floor(erlangs) + 1;
    return (Math.max(0, replicas) / erlangs) * overloadedWorth * ttftSloShare(load, firstStable);
  }
  const waitProbability = erlangC(replicas, erlangs);
  // Decay rate of the wait tail per ms: (c mu - lambda), slowed by arrival and service variability
  // (Allen-Cunneen: the G/G/c wait is (ca^2 + cs^2) / 2 times the M/M/c one).
  const decayPerMs = ((replicas - erlangs) / meanServiceMs) * (2 / ((load.arrivalScv ?? 1) + scv));
  let met = 0;
  for (const c of attainable) {
    const slackMs = load.ttftSloMs - c.serviceMs;
    met += c.share * (1 - waitProbability * Math.exp(-decayPerMs * slackMs));
  }
  return Math.min(1, Math.max(0, met / attainableShare));
}

/** Upper end of the search: far beyond any RoleBasedGroup, bounded so a bad input cannot spin. */
const MAX_REPLICAS = 100_000;

/**
 * The fewest replicas whose expected TTFT share within the SLO is at least `quantile` (0..1). The
 * share is non-decreasing in replicas, so a walk up from the offered load finds it; 0 without load.
 */
export function replicasForTtftQuantile(load: PrefillQueueLoad, quantile: number): number {
  const { meanServiceMs } = moments(load.classes);
  if (load.arrivalsPerS <= 0 || meanServiceMs <= 0) return 0;
  const erlangs = (load.arrivalsPerS * meanServiceMs) / 1000;
  let replicas = Math.max(1, Math.floor(erlangs) + 1);
  while (replicas < MAX_REPLICAS && ttftSloShare(load, replicas) < quantile) replicas++;
  return replicas;
}

/**
 * Prompt classes from the window's cumulative prompt-length buckets (`le` in tokens): each bucket's
 * prompts at the geometric middle of its bounds (the 1-2-5 buckets are log-spaced), the `+Inf`
 * bucket at twice the last finite bound.
 */
export function promptClasses(
  buckets: readonly { readonly le: number; readonly count: number }[],
  serviceMsAt: (promptTokens: number) => number,
): PromptClass[] {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const classes: PromptClass[] = [];
  let lowerBound = 1;
  let lowerCount = 0;
  for (const bucket of sorted) {
    const count = Math.max(0, bucket.count - lowerCount);
    const tokens = Number.isFinite(bucket.le)
      ? Math.sqrt(Math.max(1, lowerBound) * Math.max(1, bucket.le))
      : 2 * lowerBound;
    if (count > 0) classes.push({ share: count, serviceMs: serviceMsAt(tokens) });
    lowerBound = Number.isFinite(bucket.le) ? bucket.le : lowerBound;
    lowerCount = Math.max(lowerCount, bucket.count);
  }
  return classes;
}
