// SPDX-License-Identifier: Apache-2.0
// Real decisions for the status page tests: a policy stepped through `decide()` tick after tick with its
// state carried, published as the loop would (ready replicas catch up with the previous decision).
import { decide } from '../../../src/decision/decide.js';
import type { DecisionSpec, DecisionState, EpochMs } from '../../../src/decision/types.js';
import type { PublishedPolicy } from '../../../src/loop/board.js';
import { makeObservation, makeSpec, type LoadShape } from '../../helpers/spec.js';

/**
 * A ratio band 0.5..2 on replicas, a 24-GPU budget, 2 GPUs per prefill replica and 1 per decode, and a
 * Holt forecast so the forecast line has something to show.
 */
export function boundedSpec(name = 'chat', namespace = 'default'): DecisionSpec {
  return makeSpec({
    name,
    namespace,
    ratio: { min: 0.5, max: 2, basis: 'replicas' },
    gpuBudget: { min: undefined, max: 24 },
    roles: { prefill: { gpusPerReplica: 2 }, decode: { gpusPerReplica: 1 } },
    forecast: { method: 'holt' },
  });
}

export class PolicyTicker {
  private state: DecisionState = { roles: {} };
  private ready: { prefill?: number; decode?: number } = {};

  readonly spec: DecisionSpec;
  readonly intervalS: number;

  constructor(spec: DecisionSpec, intervalS = 15) {
    this.spec = spec;
    this.intervalS = intervalS;
  }

  /** One tick at `atMs` under `load` (TTFT 300 ms, TPOT 40 ms unless given). */
  tick(atMs: EpochMs, load: LoadShape): PublishedPolicy {
    const observation = makeObservation(atMs, { ttftMs: 300, tpotMs: 40, ready: this.ready, ...load });
    const result = decide(this.spec, observation, this.state, atMs);
    this.state = result.state;
    const { prefill, decode } = result.decision.roles;
    const current = { prefill: prefill.currentReplicas, decode: decode.currentReplicas };
    this.ready = { prefill: prefill.desiredReplicas, decode: decode.desiredReplicas };
    return {
      namespace: this.spec.namespace,
      name: this.spec.name,
      spec: this.spec,
      intervalS: this.intervalS,
      decision: result.decision,
      observation,
      currentReplicas: current,
      publishedAtMs: atMs,
    };
  }
}
