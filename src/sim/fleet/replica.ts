// SPDX-License-Identifier: Apache-2.0
// What every simulated replica shares: its lifecycle and what it tells the fleet it runs in.
import type { Role } from '../../decision/types.js';
import type { FleetProfile } from './latency-model.js';
import type { SimRequest } from './sim-request.js';
import { EngineMetrics } from './vllm-page.js';

/**
 * `starting` (cold start: pod created, model loading) -> `ready` (in the endpoints, takes work) ->
 * `draining` (terminating: finishes what it holds, takes nothing new) -> `stopped`. GPU time runs
 * from creation to stop, so starting and draining replicas are paid for.
 */
export type ReplicaState = 'starting' | 'ready' | 'draining' | 'stopped';

/** The fleet, as a replica sees it: the clock's agenda and where finished work goes. */
export interface ReplicaHost {
  readonly profile: FleetProfile;
  /**
   * Epoch ms of simulated time 0. Replicas keep time relative to it: at epoch magnitudes (1.7e12)
   * a double's resolution is 0.24 us, coarse enough to lose a decode step's remainder.
   */
  readonly epochMs: number;
  /** Calls `replica.onTimer(version)` at `atMs`. */
  schedule(atMs: number, replica: TimedReplica, version: number): void;
  /** Prefill finished: the KV transfer to decode starts now. */
  prefillDone(request: SimRequest, nowMs: number): void;
  /** Decode admitted the request: its first token reaches the client now. */
  firstToken(request: SimRequest, nowMs: number): void;
  /** The last token was produced. */
  finished(request: SimRequest, nowMs: number): void;
}

export interface TimedReplica {
  readonly role: Role;
  onTimer(nowMs: number, version: number): void;
}

/** Who a new replica is: its pod key, when it was created (relative ms) and its first state. */
export interface ReplicaIdentity {
  readonly key: string;
  readonly createdMs: number;
  readonly state: ReplicaState;
}

/** A replica's engine metrics, its process started at creation (epoch time, as pages show it). */
export function engineMetricsFor(
  host: ReplicaHost,
  identity: ReplicaIdentity,
  modelName: string,
): EngineMetrics {
  return new EngineMetrics(modelName, host.epochMs + identity.createdMs, host.profile.kvCapacityTokens);
}

export interface ReplicaLifecycle {
  readonly key: string;
  readonly role: Role;
  state: ReplicaState;
  readonly createdMs: number;
  readyMs: number;
  stoppedMs: number;
  /** Nothing queued and nothing running. */
  isIdle(): boolean;
}
