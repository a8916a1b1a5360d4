// SPDX-License-Identifier: Apache-2.0
// The interface every system under test implements in the backtest: pdscaler and each baseline. A
// system sees the simulated fleet only as a cluster would show it (replica counts from the scaling
// adapter and pods) and, when it reads metrics, through the real sources code: each simulated engine
// renders vLLM's `/metrics`, a RoleCollector parses and windows it into a RoleObservation.
import type { EpochMs, Role, RoleObservation } from '../../decision/types.js';
import type { RoleExtras } from '../../sources/engines/aggregate.js';

/** One role of the fleet as Kubernetes reports it. */
export interface RoleFleetView {
  /** `spec.replicas` of the role's scaling adapter (the last number any system wrote). */
  readonly desired: number;
  /** Pods Ready and in the endpoints. */
  readonly ready: number;
  /** Pods created and not yet Ready (cold start). */
  readonly starting: number;
  /** Pods terminating: they finish their in-flight requests, take no new ones. */
  readonly draining: number;
}

/** What a system reads from the role's engines at a tick (a RoleCollector pass). */
export interface RoleMetrics {
  readonly observation: RoleObservation;
  readonly extras: RoleExtras;
}

export interface ScalingInput {
  readonly nowMs: EpochMs;
  readonly fleet: Readonly<Record<Role, RoleFleetView>>;
  /** Present only for systems with `readsMetrics: true`. */
  readonly metrics: Readonly<Record<Role, RoleMetrics>> | undefined;
}

/** A system under test. Stateful across ticks; one instance per backtest run. */
export interface SimAutoscaler {
  readonly name: string;
  /** Seconds between ticks (HPA sync period, planner adjustment interval, pdscaler loop interval). */
  readonly intervalS: number;
  readonly readsMetrics: boolean;
  /** Desired replicas per role for this tick; the fleet applies them at once. */
  tick(input: ScalingInput): Readonly<Record<Role, number>>;
}
