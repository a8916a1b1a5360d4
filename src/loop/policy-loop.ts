// SPDX-License-Identifier: Apache-2.0
// One policy's tick: sources and the scaling adapters (each under the tick deadline) -> decide() ->
// state kept -> published on the board -> acted on (direct mode, leader only, unless advisory).
// Handlers elsewhere only read the board, so a slow tick delays a decision and never a response.
import { decide } from '../decision/decide.js';
import type { Decision, Observation, Role } from '../decision/types.js';
import { Roles } from '../decision/types.js';
import type { Timers } from '../sources/discovery/pods.js';
import type { SelfMetrics } from '../serving/self-metrics.js';
import type { Logger } from '../telemetry/logger.js';
import type { DecisionBoard } from './board.js';
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

  private async gather(atMs: number, policyLabel: string): Promise<[SourcedObservation, PolicyReplicas]> {
    const { source, replicas, deadlineMs, timers, metrics } = this.options;
    const [sourced, adapters] = await Promise.all([
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
    return [sourced.value, adapters.value];
  }

  private async run(atMs: number, policyLabel: string): Promise<Decision> {
    const { policy, state, board, actuator, isLeader, metrics, logger } = this.options;
    const [sourced, adapters] = await this.gather(atMs, policyLabel);
    const observation: Observation = withAdapterReplicas(sourced.observation, adapters, atMs);
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
    return decision;
  }
}
