// SPDX-License-Identifier: Apache-2.0
// The interface every system under test implements in the backtest: pdscaler and each baseline. A
// system sees the simulated fleet only as a cluster would show it (replica counts from the scaling
// adapter and pods) and, when it reads metrics, through the real sources code: each simulated engine
// renders vLLM's `/metrics`, a RoleCollector parses and windows it into a RoleObservation.
import type { EpochMs, Role, RoleObservation } from '../../decision/types.js';
import type { RoleExtras } from '../../sources/engines/aggregate.js';
import type { ReplicaStart } from '../fleet/fleet.js';

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

/**
 * What a P/D router knows exactly about the tokens in flight, for systems whose planner runs inside
 * their own router (BlitzScale's `DisaggregationController` counts tokens in its batching queue and
 * KV blocks per replica, docs/reference.md §F.2.1); engines export none of it as a metric.
 */
export interface RouterView {
  /** Prompt tokens routed to prefill and not yet in a running batch (BlitzScale's unbatched tokens). */
  readonly prefillQueuedTokens: number;
  /**
   * KV tokens still on the prefill side: in transfer to decode or waiting for KV room on a decode
   * replica (BlitzScale counts them in the prefill replicas' used blocks until migration).
   */
  readonly kvOnPrefillTokens: number;
  /** KV tokens in use on decode replicas (prompt plus the tokens generated so far). */
  readonly kvOnDecodeTokens: number;
  /** KV capacity of one replica, tokens (`max_blocks_per_replica` x the block size). */
  readonly kvCapacityTokensPerReplica: number;
}

export interface ScalingInput {
  readonly nowMs: EpochMs;
  readonly fleet: Readonly<Record<Role, RoleFleetView>>;
  /** Present only for systems with `readsMetrics: true`. */
  readonly metrics: Readonly<Record<Role, RoleMetrics>> | undefined;
  /** Present only for systems with `readsRouter: true`. */
  readonly router?: RouterView | undefined;
  /**
   * Each role's replicas that became Ready, as a pod list shows them (creation and Ready times): what
   * the serve loop measures cold start from. Present for systems that read metrics.
   */
  readonly replicaStarts?: Readonly<Record<Role, readonly ReplicaStart[]>> | undefined;
}

/** A system under test. Stateful across ticks; one instance per backtest run. */
export interface SimAutoscaler {
  readonly name: string;
  /** Seconds between ticks (HPA sync period, planner adjustment interval, pdscaler loop interval). */
  readonly intervalS: number;
  readonly readsMetrics: boolean;
  /** True for a planner that lives in the router and sees its exact token counts (RouterView). */
  readonly readsRouter?: boolean;
  /** Desired replicas per role for this tick; the fleet applies them at once. */
  tick(input: ScalingInput): Readonly<Record<Role, number>>;
}
