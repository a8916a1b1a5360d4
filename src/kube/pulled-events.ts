// SPDX-License-Identifier: Apache-2.0
// Image pull times of a namespace's pods from kubelet `Pulled` Events (docs/reference.md §E
// §2.2): one list per tick with `reason=Pulled`, keyed by the pod's uid. Events are best-effort (an
// hour's TTL, aggregated, droppable), so a missing one is simply no pull time; conditions stay the clock.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { pulledImageS } from './pod-start.js';
import { requestOptions } from './request-options.js';

/** A Pulled event reduced to what cold start needs. */
export interface PulledEvent {
  readonly podUid: string;
  readonly message: string;
}

/** Lists a namespace's `Pulled` events; rejects on failure (the caller keeps going without pull times). */
export interface PulledEventApi {
  listPulled(namespace: string): Promise<readonly PulledEvent[]>;
}

export function kubePulledEventApi(
  config: KubeConfig,
  options: { readonly requestTimeoutMs?: number } = {},
): PulledEventApi {
  const core = config.makeApiClient(CoreV1Api);
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  return {
    async listPulled(namespace) {
      const list = await core.listNamespacedEvent(
        { namespace, fieldSelector: 'reason=Pulled,involvedObject.kind=Pod' },
        requestOptions({ timeoutMs }),
      );
      return list.items.flatMap((event) => {
        const podUid = event.involvedObject.uid;
        return podUid === undefined || event.message === undefined
          ? []
          : [{ podUid, message: event.message }];
      });
    },
  };
}

/**
 * Seconds each pod spent pulling images, by pod uid: the pulls of its containers added up (each
 * container's image is pulled once, in order). "Already present" counts 0; unreadable messages count
 * nothing.
 */
export function pullSecondsByPod(events: readonly PulledEvent[]): Map<string, number> {
  const byPod = new Map<string, number>();
  for (const event of events) {
    const seconds = pulledImageS(event.message);
    if (seconds !== undefined) byPod.set(event.podUid, (byPod.get(event.podUid) ?? 0) + seconds);
  }
  return byPod;
}
