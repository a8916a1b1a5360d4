// SPDX-License-Identifier: Apache-2.0
// pdscaler itself as a system under test: the compiled policy and the real decide(), fed with what
// the loop feeds it in a cluster: the role's metrics from the collectors plus the scaling adapter's
// spec replicas, the pods still starting, and the measured cold start (the same tracker as the loop,
// fed from the fleet's replicas, so `coldStart: auto` converges to the simulated cold start).
import { decide } from '../../decision/decide.js';
import type {
  Decision,
  DecisionSpec,
  DecisionState,
  Observation,
  Role,
  RoleObservation,
} from '../../decision/types.js';
import { ColdStartTracker, withColdStart } from '../../loop/cold-start-tracker.js';
import type { RoleFleetView, ScalingInput, SimAutoscaler } from './types.js';

/** pdscaler's loop interval when the policy does not say otherwise (the HPA's default sync period, 15 s). */
export const pdscalerIntervalS = 15;

function withKubernetes(observation: RoleObservation, fleet: RoleFleetView, nowMs: number): RoleObservation {
  return {
    ...observation,
    desiredReplicas: { value: fleet.desired, atMs: nowMs },
    pendingReplicas: { value: fleet.starting, atMs: nowMs },
  };
}

export class PdscalerSystem implements SimAutoscaler {
  readonly name = 'pdscaler';
  readonly intervalS: number;
  readonly readsMetrics = true;
  private readonly spec: DecisionSpec;
  private state: DecisionState = { roles: {} };
  private last: Decision | undefined;
  private readonly coldStarts = new ColdStartTracker();

  constructor(spec: DecisionSpec, intervalS = pdscalerIntervalS) {
    this.spec = spec;
    this.intervalS = intervalS;
  }

  /** The last decision, with its explanation. */
  get lastDecision(): Decision | undefined {
    return this.last;
  }

  tick(input: ScalingInput): Readonly<Record<Role, number>> {
    const { metrics, fleet, nowMs, replicaStarts } = input;
    if (metrics === undefined) throw new Error('pdscaler reads metrics: the runner must pass them');
    const role = (name: Role): RoleObservation => {
      if (replicaStarts !== undefined)
        this.coldStarts.observe(
          name,
          replicaStarts[name].map((r) => ({
            uid: r.key,
            readyMs: r.readyMs,
            coldStartS: (r.readyMs - r.createdMs) / 1000,
          })),
        );
      const observed = withKubernetes(metrics[name].observation, fleet[name], nowMs);
      return withColdStart(observed, this.coldStarts.estimate(name), nowMs);
    };
    const observation: Observation = { roles: { prefill: role('prefill'), decode: role('decode') } };
    const result = decide(this.spec, observation, this.state, nowMs);
    this.state = result.state;
    this.last = result.decision;
    return {
      prefill: result.decision.roles.prefill.desiredReplicas,
      decode: result.decision.roles.decode.desiredReplicas,
    };
  }
}
