// SPDX-License-Identifier: Apache-2.0
// Direct mode's output: each role's desired replicas written to its scaling adapter's `/scale`, and a
// Kubernetes Event on the RoleBasedGroup for each scale and each hold (deduplicated by the recorder),
// so `kubectl describe rbg` tells the story. Only the leader acts; advisory mode never gets here.
import type { Decision, DecisionSpec, Role } from '../decision/types.js';
import { Roles } from '../decision/types.js';
import { holdingReplicasEvent, scaledRoleEvent, type EventInput, type RbgRef } from '../kube/events.js';
import type { ScaleOutcome, ScaleRequest } from '../kube/scale-writer.js';
import type { Logger } from '../telemetry/logger.js';
import type { DecisionActuator } from './policy-loop.js';
import type { PolicyReplicas } from './replica-fields.js';

export interface ScalePort {
  write(request: ScaleRequest): Promise<ScaleOutcome>;
}

export interface EventPort {
  record(object: RbgRef, input: EventInput): Promise<void>;
}

/** Rules that mean "held on data we could not trust": worth a Warning event. */
const holdRules = new Set(['stale-metrics', 'missing-metrics']);

/**
 * A hold is reported once it lasts this many ticks: the first tick after a start has no rate window
 * yet (two scrapes make one), and a Warning on every restart would teach people to ignore it.
 */
const holdTicksBeforeEvent = 2;

export class ScaleActuator implements DecisionActuator {
  private readonly spec: DecisionSpec;
  private readonly scale: ScalePort | undefined;
  private readonly events: EventPort;
  private readonly logger: Logger;
  private readonly holdTicks: Record<Role, number> = { prefill: 0, decode: 0 };

  /** `scale` undefined: record holds only (standalone and keda modes, where the HPA writes). */
  constructor(options: {
    spec: DecisionSpec;
    scale: ScalePort | undefined;
    events: EventPort;
    logger: Logger;
  }) {
    this.spec = options.spec;
    this.scale = options.scale;
    this.events = options.events;
    this.logger = options.logger;
  }

  async apply(decision: Decision, replicas: PolicyReplicas): Promise<void> {
    await Promise.all(Roles.map((role) => this.applyRole(decision, replicas, role)));
  }

  private async applyRole(decision: Decision, replicas: PolicyReplicas, role: Role): Promise<void> {
    const roleDecision = decision.roles[role];
    const rbg: RbgRef = { namespace: this.spec.namespace, name: this.spec.rbgName };
    const roleName = this.spec.roles[role].roleName;
    if (holdRules.has(roleDecision.boundBy)) {
      if (++this.holdTicks[role] < holdTicksBeforeEvent) return;
      await this.events.record(
        rbg,
        holdingReplicasEvent({
          role: roleName,
          replicas: roleDecision.desiredReplicas,
          reason: roleDecision.reason,
        }),
      );
      return; // holding: nothing to write (desired equals what the role has)
    }
    this.holdTicks[role] = 0;
    if (this.scale === undefined) return;
    const outcome = await this.scale.write({
      ref: { namespace: this.spec.namespace, rbg: this.spec.rbgName, role: roleName },
      replicas: roleDecision.desiredReplicas,
      policy: `${this.spec.namespace}/${this.spec.name}`,
    });
    const log = this.logger.child({ role });
    if (outcome.outcome === 'written') {
      log.info({ from: outcome.from, to: outcome.to, attempts: outcome.attempts }, 'scaled role');
      await this.events.record(
        rbg,
        scaledRoleEvent({ role: roleName, from: outcome.from, to: outcome.to, reason: roleDecision.reason }),
      );
    } else if (outcome.outcome !== 'unchanged') {
      const why =
        'message' in outcome ? outcome.message : `adapter phase ${outcome.phase || '(none)'}, not Bound`;
      log.warn(
        { outcome: outcome.outcome, desired: roleDecision.desiredReplicas, adapter: replicas[role]?.phase },
        `not scaled: ${why}`,
      );
      await this.events.record(rbg, {
        type: 'Warning',
        reason: 'ScaleFailed',
        message: `${roleName}: ${why}`,
      });
    }
  }
}
