// SPDX-License-Identifier: Apache-2.0
// The gateway's view of one pool, whichever way it was read (the EPP pages directly or Prometheus),
// and how it lands on the prefill role's observation. Unknown stays undefined, never 0
// (docs/reference.md §E.1.5: flow control is opt-in and its series are then absent).
import type { RoleObservation } from '../../decision/types.js';
import type { SaturationStage } from './epp-metrics.js';

export interface GatewayReading {
  /** When the reading was taken (ms since epoch). */
  readonly atMs: number;
  /** Requests waiting in the pool's flow-control queues, all EPP replicas together. */
  readonly queuedRequests?: number | undefined;
  /** Requests/s rejected or evicted for lack of capacity or endpoints. */
  readonly shedPerS?: number | undefined;
  /** Requests/s rejected or evicted because the pool had no endpoint (the scale-from-zero signal). */
  readonly noEndpointShedPerS?: number | undefined;
  readonly readyEndpoints?: number | undefined;
  readonly saturation?: Readonly<Partial<Record<SaturationStage, number>>>;
  /** p90 seconds requests waited in the flow-control queues (read through Prometheus only). */
  readonly queueDurationP90S?: number | undefined;
  /** Why fields are unknown, for the decision's explanation. */
  readonly notes: readonly string[];
}

/** Reads the gateway of one policy; never throws (a failure is a reading with notes and no values). */
export interface GatewaySource {
  read(signal?: AbortSignal): Promise<GatewayReading>;
}

/** True when the gateway holds or turns away requests the pool had no endpoint for. */
export function hasGatewayDemand(reading: GatewayReading): boolean {
  return (reading.queuedRequests ?? 0) > 0 || (reading.noEndpointShedPerS ?? 0) > 0;
}

/** The gateway fields of the prefill role's observation. */
export function gatewayObservation(
  reading: GatewayReading,
): Pick<RoleObservation, 'gatewayQueuedRequests' | 'gatewayRejectedPerS'> {
  const at = (value: number | undefined) => (value === undefined ? undefined : { value, atMs: reading.atMs });
  const queued = at(reading.queuedRequests);
  const shed = at(reading.shedPerS);
  return {
    ...(queued === undefined ? {} : { gatewayQueuedRequests: queued }),
    ...(shed === undefined ? {} : { gatewayRejectedPerS: shed }),
  };
}
