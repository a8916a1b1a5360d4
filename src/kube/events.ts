// SPDX-License-Identifier: Apache-2.0
// Kubernetes Events on the RoleBasedGroup, so `kubectl describe rbg` shows why pdscaler scaled a role or
// holds it. Repeats are folded the way client-go's EventCorrelator does: the same (object, type,
// reason, message) again within the window bumps the existing Event's `count` and `lastTimestamp`.
// Recording is best effort: a failure is logged and never reaches the caller.
import {
  CoreV1Api,
  CoreV1Event,
  PatchStrategy,
  V1EventSource,
  V1ObjectMeta,
  V1ObjectReference,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { Logger } from '../telemetry/logger.js';
import { apiErrorStatus, describeApiError } from './api-error.js';
import { model } from './models.js';
import { requestOptions } from './request-options.js';

/** The RoleBasedGroup an event is about (docs/reference.md §A.1: storage version v1alpha2). */
export interface RbgRef {
  readonly namespace: string;
  readonly name: string;
  /** Lets `kubectl describe` match the event to this incarnation of the object. */
  readonly uid?: string | undefined;
}

export type EventType = 'Normal' | 'Warning';

export interface EventInput {
  readonly type: EventType;
  /** UpperCamelCase, machine readable. */
  readonly reason: string;
  readonly message: string;
}

/** `prefill 2 -> 4: <reason>`, Normal `ScaledRole`. */
export function scaledRoleEvent(change: {
  readonly role: string;
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}): EventInput {
  return {
    type: 'Normal',
    reason: 'ScaledRole',
    message: `${change.role} ${change.from} -> ${change.to}: ${change.reason}`,
  };
}

/** `decode holds 4 replicas: metrics stale …`, Warning `HoldingReplicas`. */
export function holdingReplicasEvent(hold: {
  readonly role: string;
  readonly replicas: number;
  readonly reason: string;
}): EventInput {
  return {
    type: 'Warning',
    reason: 'HoldingReplicas',
    message: `${hold.role} holds ${hold.replicas} replicas: ${hold.reason}`,
  };
}

export interface EventRecorderOptions {
  readonly kubeConfig: KubeConfig;
  /** This replica, as `reportingInstance`. */
  readonly identity: string;
  readonly logger: Logger;
  readonly nowMs?: () => number;
  /** A repeat within this many ms of the last occurrence updates the same Event. @default 600000 (client-go's 10 min) */
  readonly dedupWindowMs?: number;
  /** Distinct events remembered for folding, oldest dropped first. @default 4096 (client-go's LRU size) */
  readonly maxRemembered?: number;
  /** @default 10000 */
  readonly requestTimeoutMs?: number;
}

interface Remembered {
  readonly name: string;
  readonly count: number;
  readonly lastMs: number;
}

/** Longest message kept; events.k8s.io caps `note` at 1 kB and a longer one is noise in `kubectl describe`. */
const maxMessageChars = 1024;

/** `metav1.Time` is RFC 3339 at second precision. */
function rfc3339Seconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

export class EventRecorder {
  private readonly core: CoreV1Api;
  private readonly identity: string;
  private readonly logger: Logger;
  private readonly nowMs: () => number;
  private readonly dedupWindowMs: number;
  private readonly maxRemembered: number;
  private readonly timeoutMs: number;
  /** Insertion order is recency order: a hit is deleted and re-inserted. */
  private readonly remembered = new Map<string, Remembered>();
  private sequence = 0;

  constructor(options: EventRecorderOptions) {
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.identity = options.identity;
    this.logger = options.logger;
    this.nowMs = options.nowMs ?? Date.now;
    this.dedupWindowMs = options.dedupWindowMs ?? 600_000;
    this.maxRemembered = options.maxRemembered ?? 4096;
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  /** Creates the Event, or updates its earlier twin. Never throws. */
  async record(object: RbgRef, input: EventInput): Promise<void> {
    const event = { ...input, message: input.message.slice(0, maxMessageChars) };
    const key = JSON.stringify([
      object.namespace,
      object.name,
      object.uid ?? '',
      event.type,
      event.reason,
      event.message,
    ]);
    const nowMs = this.nowMs();
    const previous = this.remembered.get(key);
    try {
      const fresh = previous !== undefined && nowMs - previous.lastMs <= this.dedupWindowMs;
      const stored = fresh ? await this.bump(object, previous, nowMs) : undefined;
      this.remember(key, stored ?? (await this.create(object, event, nowMs)));
    } catch (error) {
      this.logger.warn(
        {
          namespace: object.namespace,
          rbg: object.name,
          reason: event.reason,
          err: describeApiError(error).message,
        },
        `could not record event ${event.reason} on RoleBasedGroup ${object.namespace}/${object.name}`,
      );
    }
  }

  /** PATCHes count and lastTimestamp; undefined when the Event is gone (expired), so a new one is made. */
  private async bump(object: RbgRef, previous: Remembered, nowMs: number): Promise<Remembered | undefined> {
    const count = previous.count + 1;
    try {
      await this.core.patchNamespacedEvent(
        {
          namespace: object.namespace,
          name: previous.name,
          body: { count, lastTimestamp: rfc3339Seconds(nowMs).toISOString() },
        },
        requestOptions({ timeoutMs: this.timeoutMs, patch: PatchStrategy.MergePatch }),
      );
    } catch (error) {
      if (apiErrorStatus(error) === 404) return undefined;
      throw error;
    }
    return { name: previous.name, count, lastMs: nowMs };
  }

  private async create(object: RbgRef, event: EventInput, nowMs: number): Promise<Remembered> {
    // client-go names events `<object>.<unix nanos in hex>`; the sequence keeps two events of one ms apart.
    const nanos = BigInt(nowMs) * 1_000_000n + BigInt(this.sequence++ % 1_000_000);
    const name = `${object.name}.${nanos.toString(16)}`;
    const at = rfc3339Seconds(nowMs);
    const body = model(CoreV1Event, {
      metadata: model(V1ObjectMeta, { name, namespace: object.namespace }),
      involvedObject: model(V1ObjectReference, {
        apiVersion: 'workloads.x-k8s.io/v1alpha2',
        kind: 'RoleBasedGroup',
        name: object.name,
        namespace: object.namespace,
        ...(object.uid === undefined ? {} : { uid: object.uid }),
      }),
      type: event.type,
      reason: event.reason,
      message: event.message,
      count: 1,
      firstTimestamp: at,
      lastTimestamp: at,
      source: model(V1EventSource, { component: 'pdscaler' }),
      reportingComponent: 'pdscaler',
      reportingInstance: this.identity,
    });
    await this.core.createNamespacedEvent(
      { namespace: object.namespace, body },
      requestOptions({ timeoutMs: this.timeoutMs }),
    );
    return { name, count: 1, lastMs: nowMs };
  }

  private remember(key: string, entry: Remembered): void {
    this.remembered.delete(key);
    this.remembered.set(key, entry);
    if (this.remembered.size > this.maxRemembered) {
      const oldest = this.remembered.keys().next();
      if (oldest.done !== true) this.remembered.delete(oldest.value);
    }
  }
}
