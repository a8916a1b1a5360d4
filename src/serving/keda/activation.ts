// SPDX-License-Identifier: Apache-2.0
// When StreamIsActive pushes `true`: a role at zero replicas whose metric turns active. KEDA scales a
// ScaledObject from zero on each `true` it receives and ignores `false` since v2.18, so pdscaler sends
// only `true`, on events (docs/reference.md §B.2.6, §B.2.8). A role at zero is also active
// when the inference gateway holds or turns away requests for its pool: with no engine running, that is
// the only demand there is (docs/reference.md §E.1.5).
import type { EpochMs, Observed, Role } from '../../decision/types.js';
import type { PublishedPolicy } from '../../loop/board.js';
import { readMetric } from '../metric-values.js';
import type { TriggerMetadata } from './trigger.js';

/** Replicas the role has in this entry: the adapters' spec when known, else what the decision saw. */
export function replicasOf(entry: PublishedPolicy, role: Role): number | undefined {
  return entry.currentReplicas?.[role] ?? entry.decision?.roles[role].currentReplicas;
}

/** True when a fresh gateway reading shows queued or rejected requests (they sit on the prefill role). */
export function hasGatewayDemand(entry: PublishedPolicy, nowMs: EpochMs): boolean {
  const prefill = entry.observation?.roles.prefill;
  const positive = (field: Observed<number> | undefined): boolean =>
    field !== undefined && field.value > 0 && (nowMs - field.atMs) / 1000 <= entry.spec.stalenessS;
  return positive(prefill?.gatewayQueuedRequests) || positive(prefill?.gatewayRejectedPerS);
}

/** True when the metric reads above the activation threshold or the gateway has demand; missing data is not active. */
export function isActiveIn(entry: PublishedPolicy, trigger: TriggerMetadata, nowMs: EpochMs): boolean {
  const reading = readMetric(entry, trigger.metric, nowMs);
  return (reading.ok && reading.value > trigger.activationThreshold) || hasGatewayDemand(entry, nowMs);
}

/** On stream open: the role is at zero and already active (the event may predate the stream). */
export function activeAtZero(entry: PublishedPolicy, trigger: TriggerMetadata, nowMs: EpochMs): boolean {
  return replicasOf(entry, trigger.role) === 0 && isActiveIn(entry, trigger, nowMs);
}

/**
 * On publish: the role was at zero in the previous entry and the new entry is active. While the role
 * stays at zero and active this repeats once per loop tick, so a lost push heals on the next tick at a
 * rate far below what would load KEDA's operator (each `true` costs it a read and a status patch).
 */
export function demandAtZero(options: {
  readonly entry: PublishedPolicy;
  readonly previous: PublishedPolicy | undefined;
  readonly trigger: TriggerMetadata;
  readonly nowMs: EpochMs;
}): boolean {
  const { entry, previous, trigger, nowMs } = options;
  return (
    previous !== undefined && replicasOf(previous, trigger.role) === 0 && isActiveIn(entry, trigger, nowMs)
  );
}
