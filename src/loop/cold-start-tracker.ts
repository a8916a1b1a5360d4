// SPDX-License-Identifier: Apache-2.0
// The measured cold start per role: each pod's creation -> Ready counted once (by uid), the last 20
// starts kept, and a p90 over them as the estimate the policy's `coldStart: auto` forecasts over
// (docs/reference.md §E.2.1). Pure and clock-free: the loop and the simulator feed it.
import type { Role, RoleObservation } from '../decision/types.js';

/** One pod's start, as src/kube/pod-start.ts reads it (or the simulator's replica). */
export interface ColdStartSample {
  readonly uid: string;
  readonly readyMs: number;
  readonly coldStartS: number;
  /** Image pull seconds from the pod's `Pulled` event, when known (§2.2). */
  readonly pullS?: number | undefined;
}

export interface ColdStartEstimate {
  /** p90 (nearest rank) of the kept starts, seconds. */
  readonly coldStartS: number;
  /** Starts the estimate is over (at most the window). */
  readonly samples: number;
  /** Median (nearest rank) image pull seconds of the kept starts that know it. */
  readonly pullS?: number;
}

export interface ColdStartTrackerOptions {
  /** Starts kept per role. @default 20 (the p90 is taken over the last 20 starts) */
  readonly window?: number;
}

interface RoleStarts {
  /** Oldest first. */
  kept: ColdStartSample[];
  /** Uids already counted that were in the last list: a pod is counted once, however many ticks see it. */
  seen: Set<string>;
}

/**
 * Nearest-rank quantile (the smallest value with at least `q` of the sample at or below it): always a
 * measured start, never an interpolation between two, so the estimate is a cold start that happened.
 */
function nearestRank(values: readonly number[], q: number): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

export class ColdStartTracker {
  private readonly window: number;
  private readonly roles = new Map<Role, RoleStarts>();

  constructor(options: ColdStartTrackerOptions = {}) {
    this.window = options.window ?? 20;
  }

  /**
   * Feeds the starts of every Ready pod the role has now (a full list, not a delta): new uids are kept,
   * in Ready order; uids no longer listed are forgotten, since a pod's uid never comes back.
   * Returns how many starts were new.
   */
  observe(role: Role, starts: readonly ColdStartSample[]): number {
    const entry = this.roles.get(role) ?? { kept: [], seen: new Set<string>() };
    this.roles.set(role, entry);
    const fresh = starts.filter((s) => !entry.seen.has(s.uid)).sort((a, b) => a.readyMs - b.readyMs);
    entry.kept.push(...fresh);
    if (entry.kept.length > this.window) entry.kept.splice(0, entry.kept.length - this.window);
    entry.seen = new Set(starts.map((s) => s.uid));
    return fresh.length;
  }

  /** The role's estimate, or undefined before its first measured start. */
  estimate(role: Role): ColdStartEstimate | undefined {
    const kept = this.roles.get(role)?.kept ?? [];
    const coldStartS = nearestRank(
      kept.map((s) => s.coldStartS),
      0.9,
    );
    if (coldStartS === undefined) return undefined;
    const pullS = nearestRank(
      kept.flatMap((s) => (s.pullS === undefined ? [] : [s.pullS])),
      0.5,
    );
    return { coldStartS, samples: kept.length, ...(pullS === undefined ? {} : { pullS }) };
  }
}

/** The role's observation with the estimate as `coldStartS`, measured now; unchanged without one. */
export function withColdStart(
  observation: RoleObservation,
  estimate: ColdStartEstimate | undefined,
  atMs: number,
): RoleObservation {
  return estimate === undefined
    ? observation
    : { ...observation, coldStartS: { value: estimate.coldStartS, atMs } };
}
