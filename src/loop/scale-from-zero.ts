// SPDX-License-Identifier: Apache-2.0
// Scale from zero on gateway demand. A role at 0 replicas has no engine to report load, so the policy
// tick (15 s by default) would see none; the gateway's endpoint picker holds the requests meanwhile
// (its flow-control queue is the "scale-from-zero waiting room", docs/reference.md §E.1.5).
// While a role of a policy with `spec.gateway` is at zero, this polls the gateway every
// `pollIntervalMs` and, on queued requests or no-endpoint rejections, wakes every role at zero (a
// P/D request needs both): direct mode writes `/scale` 0 -> floor, and every mode publishes the reading
// on the board so KEDA's StreamIsActive pushes `true` at once. Same precedent as llm-d WVA's
// scale-from-zero engine (100 ms poll, §1.5).
import { Roles, type DecisionSpec, type Observation, type Role } from '../decision/types.js';
import type { ScaleOutcome, ScaleRequest } from '../kube/scale-writer.js';
import { replicasOf } from '../serving/keda/activation.js';
import type { Timers } from '../sources/discovery/pods.js';
import {
  gatewayObservation,
  hasGatewayDemand,
  type GatewayReading,
  type GatewaySource,
} from '../sources/gateway/gateway-reading.js';
import type { Logger } from '../telemetry/logger.js';
import type { DecisionBoard, PublishedPolicy } from './board.js';
import { IntervalScheduler } from './scheduler.js';

export interface ScaleFromZeroOptions {
  readonly spec: DecisionSpec;
  /** The policy's gateway pool, for logs. */
  readonly pool: string;
  readonly gateway: GatewaySource;
  readonly board: DecisionBoard;
  /** The /scale writer in direct mode; undefined in keda/standalone mode and when advisory. */
  readonly scale: { write(request: ScaleRequest): Promise<ScaleOutcome> } | undefined;
  readonly isLeader: () => boolean;
  readonly pollIntervalMs: number;
  readonly nowMs: () => number;
  readonly timers: Timers;
  readonly logger: Logger;
}

/** Replicas a role wakes to: its floor, and at least 1 when the floor is 0 (`scaleToZero`). */
export function wakeReplicas(spec: DecisionSpec, role: Role): number {
  return Math.max(1, spec.roles[role].minReplicas);
}

function withGateway(observation: Observation | undefined, reading: GatewayReading): Observation {
  const roleObservations = observation?.roles ?? { prefill: {}, decode: {} };
  return {
    ...observation,
    roles: { ...roleObservations, prefill: { ...roleObservations.prefill, ...gatewayObservation(reading) } },
  };
}

function demandText(reading: GatewayReading, pool: string): string {
  const queued = reading.queuedRequests ?? 0;
  const shed = reading.noEndpointShedPerS ?? 0;
  return queued > 0
    ? `${queued} requests queued at gateway pool ${pool}`
    : `gateway pool ${pool} rejects ${shed.toFixed(2)} requests/s for lack of endpoints`;
}

export class ScaleFromZero {
  private readonly options: ScaleFromZeroOptions;
  private readonly scheduler: IntervalScheduler;
  /** When each role was last woken; a role is not woken again within one policy interval. */
  private readonly wokenAtMs = new Map<Role, number>();

  constructor(options: ScaleFromZeroOptions) {
    this.options = options;
    this.scheduler = new IntervalScheduler({
      intervalMs: options.pollIntervalMs,
      run: () => this.poll(),
      timers: options.timers,
      nowMs: options.nowMs,
    });
  }

  start(): void {
    this.scheduler.start();
  }

  stop(): Promise<void> {
    return this.scheduler.stop();
  }

  /** One check: reads the gateway only while some role is at zero. Never throws. */
  async poll(): Promise<void> {
    const { spec, board } = this.options;
    const entry = board.get(spec.namespace, spec.name);
    if (entry === undefined) return;
    const atZero = this.rolesToWake(entry);
    if (atZero.length === 0) return;
    const reading = await this.options.gateway.read();
    if (!hasGatewayDemand(reading)) return;
    await this.wake(atZero, reading);
  }

  private rolesToWake(entry: PublishedPolicy): Role[] {
    const nowMs = this.options.nowMs();
    const healAfterMs = entry.intervalS * 1000;
    return Roles.filter((role) => {
      if (replicasOf(entry, role) !== 0) {
        this.wokenAtMs.delete(role);
        return false;
      }
      const woken = this.wokenAtMs.get(role);
      return woken === undefined || nowMs - woken >= healAfterMs;
    });
  }

  private async wake(atZero: readonly Role[], reading: GatewayReading): Promise<void> {
    const { spec, board, scale, logger, pool } = this.options;
    const why = demandText(reading, pool);
    // Read again after the gateway answered: the loop may have published meanwhile.
    const latest = board.get(spec.namespace, spec.name);
    if (latest === undefined) return;
    board.publish({
      ...latest,
      observation: withGateway(latest.observation, reading),
      publishedAtMs: this.options.nowMs(),
    });
    for (const role of atZero) this.wokenAtMs.set(role, this.options.nowMs());
    if (scale === undefined || !this.options.isLeader()) {
      logger.info({ roles: atZero }, `gateway demand at zero replicas: ${why}`);
      return;
    }
    await Promise.all(atZero.map((role) => this.write(role, why)));
  }

  private async write(role: Role, why: string): Promise<void> {
    const { spec, scale, logger } = this.options;
    if (scale === undefined) return;
    const replicas = wakeReplicas(spec, role);
    const outcome = await scale.write({
      ref: { namespace: spec.namespace, rbg: spec.rbgName, role: spec.roles[role].roleName },
      replicas,
      policy: `${spec.namespace}/${spec.name}`,
    });
    if (outcome.outcome === 'failed' || outcome.outcome === 'not-found') this.wokenAtMs.delete(role);
    logger.info(
      { role, replicas, outcome: outcome.outcome },
      `scale from zero: ${role} 0 -> ${replicas} (${why})`,
    );
  }
}
