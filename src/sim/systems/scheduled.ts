// SPDX-License-Identifier: Apache-2.0
// Systems that need no metrics: a fixed fleet (static-peak) and a precomputed schedule (the oracle
// plays back its clairvoyant plan through the same fleet, so its row is measured, not assumed).
import type { Role } from '../../decision/types.js';
import type { ScalingInput, SimAutoscaler } from './types.js';

export class StaticPeak implements SimAutoscaler {
  readonly name = 'static-peak';
  readonly intervalS: number;
  readonly readsMetrics = false;
  private readonly replicas: Readonly<Record<Role, number>>;

  constructor(replicas: Readonly<Record<Role, number>>, intervalS: number) {
    this.replicas = replicas;
    this.intervalS = intervalS;
  }

  tick(): Readonly<Record<Role, number>> {
    return this.replicas;
  }
}

/** Replica counts as a function of time (epoch ms), e.g. the oracle's plan. */
export type ReplicaSchedule = (nowMs: number) => Readonly<Record<Role, number>>;

export class ScheduledFleet implements SimAutoscaler {
  readonly name: string;
  readonly intervalS: number;
  readonly readsMetrics = false;
  private readonly schedule: ReplicaSchedule;

  constructor(name: string, schedule: ReplicaSchedule, intervalS: number) {
    this.name = name;
    this.schedule = schedule;
    this.intervalS = intervalS;
  }

  tick(input: ScalingInput): Readonly<Record<Role, number>> {
    return this.schedule(input.nowMs);
  }
}
