// SPDX-License-Identifier: Apache-2.0
// One policy's tick: sources and the scaling adapters (each under the tick deadline) -> decide() ->
// state kept -> published on the board -> acted on (direct mode, leader only, unless advisory).
// Handlers elsewhere only read the board, so a slow tick delays a decision and never a response.
// Each tick also lists the roles' pods to measure cold starts (docs/reference.md §E.2.1).
import { decide } from '../decision/decide.js';
import type { Decision, DecisionSpec, Observation, Role } from '../decision/types.js';
import { Roles } from '../decision/types.js';
import { podStart, type PodStart } from '../kube/pod-start.js';
import { pullSecondsByPod, type PulledEventApi } from '../kube/pulled-events.js';
import { LabelSchemes, roleSelector } from '../sources/discovery/labels.js';
import type { PodApi, Timers } from '../sources/discovery/pods.js';
import type { SelfMetrics } from '../serving/self-metrics.js';
import type { Logger } from '../telemetry/logger.js';
import type { DecisionBoard } from './board.js';
import { ColdStartTracker, withColdStart, type ColdStartEstimate } from './cold-start-tracker.js';
import { CacheKeyedColdStarts, scaleOutComing, type FluidWatch } from './fluid-watch.js';
import type { CacheState } from '../kube/fluid.js';
import type { LoadedPolicy } from './config.js';
import { withDeadline } from './deadline.js';
import type { PolicySource, SourcedObservation } from './policy-sources.js';
import { unknownReplicas, withAdapterReplicas, type PolicyReplicas } from './replica-fields.js';
import type { StateKeeper } from './state-keeper.js';

/** Reads both roles' scaling adapters (src/kube in a cluster). */
export interface ReplicaReader {
  read(signal: AbortSignal): Promise<PolicyReplicas>;
}

/** Acts on a decision: the /scale writer in direct mode. */
export interface DecisionActuator {
  apply(decision: Decision, replicas: PolicyReplicas): Promise<void>;
}

export interface PolicyLoopOptions {
  readonly policy: LoadedPolicy;
  readonly source: PolicySource;
  readonly replicas: ReplicaReader | undefined;
  readonly state: StateKeeper;
  readonly board: DecisionBoard;
  /** Undefined outside direct mode and in advisory mode: nothing is written. */
  readonly actuator: DecisionActuator | undefined;
  readonly isLeader: () => boolean;
  readonly deadlineMs: number;
  readonly nowMs: () => number;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly metrics: SelfMetrics;
  /**
   * Lists the roles' pods to measure cold starts, whatever the metrics source; without it no start is
   * measured and `coldStart: auto` forecasts over the policy's prior.
   */
  readonly pods?: PodApi | undefined;
  /** Lists kubelet `Pulled` events for image pull times (optional: conditions are the clock). */
  readonly pulls?: PulledEventApi | undefined;
  /** The policy's Fluid Dataset: cold start per cache state, and the pre-warm (fluid-watch.ts). */
  readonly fluid?: FluidWatch | undefined;
}

type ColdStarts = Readonly<Record<Role, ColdStartEstimate | undefined>>;

/**
 * The starts of the role's Ready pods under both RBG label schemes, merged by uid (labels.ts). Every pod
 * counts, workers of a leader-worker role too: each one is a start the role waits for.
 */
async function roleStarts(
  api: PodApi,
  spec: DecisionSpec,
  role: Role,
  pulls: ReadonlyMap<string, number>,
): Promise<(PodStart & { readonly pullS?: number })[]> {
  const ref = { namespace: spec.namespace, rbg: spec.rbgName, role: spec.roles[role].roleName };
  const lists = await Promise.all(
    LabelSchemes.map((scheme) =>
      api.list(ref.namespace, roleSelector({ ...ref, leaderWorker: false }, scheme)),
    ),
  );
  const byUid = new Map<string, PodStart>();
  for (const pod of lists.flatMap((list) => list.items)) {
    const start = podStart(pod);
    if (start !== undefined) byUid.set(start.uid, start);
  }
  return [...byUid.values()].map((start) => {
    const pullS = pulls.get(start.uid);
    return pullS === undefined ? start : { ...start, pullS };
  });
}

const nothingObserved: SourcedObservation = {
  observation: { roles: { prefill: {}, decode: {} } },
  notes: {
    prefill: ['no metrics before the tick deadline'],
    decode: ['no metrics before the tick deadline'],
  },
};

export class PolicyLoop {
  private readonly options: PolicyLoopOptions;
  private lastDesired: Partial<Record<Role, number>> = {};
  private readonly coldStarts = new ColdStartTracker();
  private readonly coldStartsByCache = new CacheKeyedColdStarts();
  /** The Fluid Dataset's cache state at the last tick (undefined without one, or when unreadable). */
  private cacheState: CacheState | undefined;

  constructor(options: PolicyLoopOptions) {
    this.options = options;
  }

  /** One tick. Never throws: every failure is logged and leaves the last published decision in place. */
  async tick(): Promise<Decision | undefined> {
    const { policy, metrics, nowMs } = this.options;
    const label = { policy: `${policy.spec.namespace}/${policy.spec.name}` };
    const end = metrics.tickDuration.startTimer(label);
    try {
      return await this.run(nowMs(), label.policy);
    } catch (error) {
      this.options.logger.error({ err: (error as Error).stack ?? String(error) }, 'tick failed');
      return undefined;
    } finally {
      end();
    }
  }

  /**
   * Feeds the tracker from this tick's pod lists. A role whose list failed keeps its estimate: past starts
   * do not go stale, and a partial list would count its missing pods again once they reappear.
   */
  private async measureColdStarts(policyLabel: string): Promise<ColdStarts> {
    const { pods, policy, metrics, logger } = this.options;
    // Independent reads: the Dataset's cache state and the namespace's Pulled events.
    const [, pulls] = await Promise.all([this.readCacheState(policyLabel), this.pullSeconds()]);
    if (pods !== undefined)
      await Promise.all(
        Roles.map(async (role) => {
          try {
            const starts = await roleStarts(pods, policy.spec, role, pulls);
            this.coldStarts.observe(role, starts);
            this.coldStartsByCache.observe(role, starts, this.cacheState);
          } catch (error) {
            metrics.sourceErrors.inc({ policy: policyLabel, role, kind: 'pods' });
            logger.debug({ role, err: (error as Error).message }, 'pod list for cold starts failed');
          }
        }),
      );
    this.coldStartsByCache.endTick();
    // The estimate for the Dataset's current cache state once starts under it were seen, else overall.
    const estimate = (role: Role): ColdStartEstimate | undefined =>
      this.coldStartsByCache.estimate(role, this.cacheState) ?? this.coldStarts.estimate(role);
    return { prefill: estimate('prefill'), decode: estimate('decode') };
  }

  /** Image pull seconds by pod uid from this tick's `Pulled` events; none when unlisted or failing. */
  private async pullSeconds(): Promise<ReadonlyMap<string, number>> {
    const { pulls, policy, logger } = this.options;
    if (pulls === undefined) return new Map();
    try {
      return pullSecondsByPod(await pulls.listPulled(policy.spec.namespace));
    } catch (error) {
      logger.debug(
        { err: (error as Error).message },
        'Pulled events unreadable; cold start without pull times',
      );
      return new Map();
    }
  }

  /** The Fluid Dataset's cache state for this tick; unreadable keeps none (starts then count overall). */
  private async readCacheState(policyLabel: string): Promise<void> {
    const fluid = this.options.fluid;
    if (fluid === undefined) return;
    const cache = await fluid.prewarmer.readCache(fluid.dataset);
    this.cacheState = cache?.cacheState;
    if (cache?.cachedPercentage !== undefined)
      this.options.metrics.fluidCachedPercent.set({ policy: policyLabel }, cache.cachedPercentage);
  }

  /** Warms the Dataset before a coming scale-out (leader only; at most one DataLoad at a time). */
  private async prewarm(decision: Decision, policyLabel: string): Promise<void> {
    const fluid = this.options.fluid;
    if (fluid === undefined || !fluid.prewarm || this.cacheState === 'cached' || !scaleOutComing(decision))
      return;
    const result = await fluid.prewarmer.prewarm(fluid.dataset);
    this.options.metrics.fluidDataLoads.inc({ policy: policyLabel, outcome: result.outcome });
    if (result.outcome === 'failed')
      this.options.logger.warn(
        { dataset: fluid.dataset.name, reason: result.message },
        'Fluid pre-warm failed',
      );
  }

  private async gather(
    atMs: number,
    policyLabel: string,
  ): Promise<[SourcedObservation, PolicyReplicas, ColdStarts]> {
    const { source, replicas, deadlineMs, timers, metrics } = this.options;
    const [sourced, adapters, coldStarts] = await Promise.all([
      withDeadline((signal) => source.observe(atMs, signal), {
        ms: deadlineMs,
        fallback: () => nothingObserved,
        timers,
      }),
      replicas === undefined
        ? { value: unknownReplicas, timedOut: false }
        : withDeadline((signal) => replicas.read(signal), {
            ms: deadlineMs,
            fallback: () => unknownReplicas,
            timers,
          }),
      withDeadline(() => this.measureColdStarts(policyLabel), {
        ms: deadlineMs,
        fallback: () => ({
          prefill: this.coldStarts.estimate('prefill'),
          decode: this.coldStarts.estimate('decode'),
        }),
        timers,
      }),
    ]);
    if (sourced.timedOut || adapters.timedOut) {
      metrics.ticksOverrun.inc({ policy: policyLabel });
      metrics.sourceErrors.inc({ policy: policyLabel, role: 'all', kind: 'deadline' });
    }
    for (const role of Roles) {
      if (sourced.value.notes[role].length > 0)
        metrics.sourceErrors.inc({ policy: policyLabel, role, kind: 'metrics' });
      if (replicas !== undefined && adapters.value[role] === undefined)
        metrics.sourceErrors.inc({ policy: policyLabel, role, kind: 'kube' });
    }
    return [sourced.value, adapters.value, coldStarts.value];
  }

  private async run(atMs: number, policyLabel: string): Promise<Decision> {
    const { policy, state, board, actuator, isLeader, metrics, logger } = this.options;
    const [sourced, adapters, coldStarts] = await this.gather(atMs, policyLabel);
    const withAdapters = withAdapterReplicas(sourced.observation, adapters, atMs);
    const observation: Observation = {
      roles: {
        prefill: withColdStart(withAdapters.roles.prefill, coldStarts.prefill, atMs),
        decode: withColdStart(withAdapters.roles.decode, coldStarts.decode, atMs),
      },
    };
    const leader = isLeader();
    const result = decide(policy.spec, observation, await state.current({ leader }), atMs);
    await state.commit(result.state, { leader });
    const decision = result.decision;
    board.publish({
      namespace: policy.spec.namespace,
      name: policy.spec.name,
      spec: policy.spec,
      intervalS: policy.metrics.intervalS,
      // Engine pages are windowed against the previous scrape, one interval back.
      rateWindowS:
        policy.metrics.source === 'prometheus'
          ? (policy.metrics.prometheus?.windowS ?? policy.metrics.intervalS)
          : policy.metrics.intervalS,
      decision,
      observation,
      currentReplicas: {
        ...(adapters.prefill?.specReplicas === undefined ? {} : { prefill: adapters.prefill.specReplicas }),
        ...(adapters.decode?.specReplicas === undefined ? {} : { decode: adapters.decode.specReplicas }),
      },
      publishedAtMs: atMs,
    });
    for (const role of Roles) {
      const roleDecision = decision.roles[role];
      metrics.desiredReplicas.set({ policy: policyLabel, role }, roleDecision.desiredReplicas);
      metrics.currentReplicas.set({ policy: policyLabel, role }, roleDecision.currentReplicas);
      metrics.decisionBoundBy.inc({ policy: policyLabel, role, rule: roleDecision.boundBy });
      const coldStart = coldStarts[role];
      if (coldStart !== undefined) {
        metrics.coldStart.set({ policy: policyLabel, role }, coldStart.coldStartS);
        metrics.coldStartSamples.set({ policy: policyLabel, role }, coldStart.samples);
        if (coldStart.pullS !== undefined)
          metrics.imagePull.set({ policy: policyLabel, role }, coldStart.pullS);
      }
      if (this.lastDesired[role] !== roleDecision.desiredReplicas)
        logger.info(
          {
            role,
            desired: roleDecision.desiredReplicas,
            current: roleDecision.currentReplicas,
            boundBy: roleDecision.boundBy,
            notes: sourced.notes[role],
          },
          roleDecision.reason,
        );
      this.lastDesired[role] = roleDecision.desiredReplicas;
    }
    if (actuator !== undefined && leader) await actuator.apply(decision, adapters);
    if (leader) await this.prewarm(decision, policyLabel);
    return decision;
  }
}
