// SPDX-License-Identifier: Apache-2.0
// The Fluid side of a policy's loop (docs/reference.md §E.3.4): which cache state
// a pod start belongs to, so cold start is estimated per state (a pod that loads from a full cache
// starts in ~80 s, one that downloads in ~9 min, §3.5), and whether a coming scale-out should warm
// the cache first. Starts are attributed to the state seen when the loop first sees them Ready; the
// pods already Ready at the loop's first tick started under an unknown state and count only overall.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Decision, Role } from '../decision/types.js';
import { Roles } from '../decision/types.js';
import { FluidPrewarmer, kubeFluidApi, type CacheState, type DatasetRef } from '../kube/fluid.js';
import type { Logger } from '../telemetry/logger.js';
import { ColdStartTracker, type ColdStartEstimate, type ColdStartSample } from './cold-start-tracker.js';
import type { LoadedPolicy } from './config.js';

export interface FluidWatch {
  readonly dataset: DatasetRef;
  readonly prewarmer: FluidPrewarmer;
  /** Create DataLoads: the policy asks for it and the process may write (not advisory). */
  readonly prewarm: boolean;
}

/** The policy's Fluid watch, or undefined when it names no Dataset. */
export function fluidFor(
  policy: LoadedPolicy,
  kubeConfig: KubeConfig,
  options: { readonly logger: Logger; readonly nowMs: () => number; readonly advisory: boolean },
): FluidWatch | undefined {
  const fluid = policy.metrics.fluid;
  if (fluid === undefined) return undefined;
  return {
    dataset: { namespace: fluid.namespace ?? policy.spec.namespace, name: fluid.dataset },
    prewarmer: new FluidPrewarmer({
      api: kubeFluidApi(kubeConfig),
      logger: options.logger,
      nowMs: options.nowMs,
    }),
    prewarm: fluid.prewarm && !options.advisory,
  };
}

/** True when a role is about to grow: the decision raises it, or its forecast need exceeds it. */
export function scaleOutComing(decision: Decision): boolean {
  return Roles.some((role) => {
    const d = decision.roles[role];
    const needed = d.inputs.neededReplicas;
    return (
      d.desiredReplicas > d.currentReplicas || (needed !== undefined && Math.ceil(needed) > d.currentReplicas)
    );
  });
}

/** Cold-start estimates per cache state, next to the overall one. */
export class CacheKeyedColdStarts {
  private readonly byState = new Map<CacheState, ColdStartTracker>();
  private readonly seen = new Set<string>();
  private primed = false;

  /** Files this tick's new starts under `state`; the first tick's pods are history and file nowhere. */
  observe(role: Role, starts: readonly ColdStartSample[], state: CacheState | undefined): void {
    const fresh = starts.filter((s) => !this.seen.has(s.uid));
    for (const s of fresh) this.seen.add(s.uid);
    if (!this.primed || state === undefined || fresh.length === 0) return;
    let tracker = this.byState.get(state);
    if (tracker === undefined) {
      tracker = new ColdStartTracker();
      this.byState.set(state, tracker);
    }
    tracker.observe(role, fresh);
  }

  /** Marks the end of a tick: from now on new starts are attributed to the state they were seen in. */
  endTick(): void {
    this.primed = true;
  }

  estimate(role: Role, state: CacheState | undefined): ColdStartEstimate | undefined {
    return state === undefined ? undefined : this.byState.get(state)?.estimate(role);
  }
}
