// SPDX-License-Identifier: Apache-2.0
// One pod's cold start read from the API, and the image pull time from a kubelet `Pulled` event
// message. Pure: the policy loop lists the pods and feeds the cold-start tracker with the results.
// Facts: docs/reference.md §E.2.1 (timeline fields, 1 s resolution) and §2.2 (Pulled).

/** A timestamp as client-node deserializes it (`Date`) or as raw JSON has it (RFC 3339 string). */
type ApiTime = Date | string | undefined;

/** The few pod fields a cold start needs; both a client-node `V1Pod` and watch JSON fit. */
export interface PodTimelineLike {
  readonly metadata?: { readonly uid?: string | undefined; readonly creationTimestamp?: ApiTime } | undefined;
  readonly status?:
    | {
        readonly conditions?:
          | readonly {
              readonly type?: string | undefined;
              readonly status?: string | undefined;
              readonly lastTransitionTime?: ApiTime;
            }[]
          | undefined;
        readonly containerStatuses?: readonly { readonly restartCount?: number | undefined }[] | undefined;
      }
    | undefined;
}

/** Creation -> Ready of one pod. */
export interface PodStart {
  readonly uid: string;
  readonly createdMs: number;
  readonly readyMs: number;
  /** `Ready.lastTransitionTime − creationTimestamp` (§2.1): whole seconds, as the API keeps them. */
  readonly coldStartS: number;
}

function epochMs(time: ApiTime): number | undefined {
  if (time === undefined) return undefined;
  const ms = time instanceof Date ? time.getTime() : Date.parse(time);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The pod's cold start, or undefined when it does not measure one:
 * - not Ready (yet), or no `Ready` condition or time at all: nothing to measure;
 * - a container restarted (`restartCount > 0`): `Ready` then dates from the restart, not the creation
 *   (§2.1: the timeline is valid while `restartCount` is 0);
 * - Ready before creation: clock skew between the apiserver and the kubelet, not a duration.
 * A Ready flap without a restart (readiness probe failed, then passed) moves `lastTransitionTime` too and
 * cannot be told from a slow start in one snapshot; the tracker records a pod once, at its first sighting
 * as Ready, so only a flap before pdscaler first saw the pod can inflate a sample.
 */
export function podStart(pod: PodTimelineLike): PodStart | undefined {
  const uid = pod.metadata?.uid;
  const createdMs = epochMs(pod.metadata?.creationTimestamp);
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (uid === undefined || createdMs === undefined || ready?.status !== 'True') return undefined;
  const readyMs = epochMs(ready.lastTransitionTime);
  if (readyMs === undefined || readyMs < createdMs) return undefined;
  if ((pod.status?.containerStatuses ?? []).some((c) => (c.restartCount ?? 0) > 0)) return undefined;
  return { uid, createdMs, readyMs, coldStartS: (readyMs - createdMs) / 1000 };
}

/** Seconds per Go duration unit (time.ParseDuration). */
const goUnitS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

// `ms` before `m`: the alternation takes the first unit that matches.
const goDurationPart = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
const goDurationPattern = new RegExp(`^(?:${goDurationPart.source})+$`);

/** A Go duration as `time.Duration.String()` prints it (`313ms`, `1.594s`, `2m3.5s`, `0s`) in seconds. */
export function goDurationS(text: string): number | undefined {
  if (text === '0') return 0;
  if (!goDurationPattern.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(goDurationPart))
    total += Number(amount) * (goUnitS[unit ?? ''] ?? NaN);
  return Number.isFinite(total) ? total : undefined;
}

// The CRI pull time is the first duration; "(<total> including waiting)" adds the kubelet's pull queue
// and "Image size" follows on current kubelets only (§2.2: older kubelets print shorter forms). An
// optional `spec.containers{name}: ` prefix is tolerated (§2.2, uncertain whether it is in `message`).
const pulledPattern =
  /^(?:\S+: )?Successfully pulled image "[^"]*" in ((?:[\d.]+(?:ns|us|µs|μs|ms|s|m|h))+)(?:[ .(]|$)/;
const presentPattern = /^(?:\S+: )?Container image "[^"]*" already present on machine/;

/**
 * Seconds a `Pulled` event says the image pull took (CRI time, without the queue wait); 0 when the image
 * was already on the node; undefined for anything else, including a `Pulled` message without a time.
 */
export function pulledImageS(message: string): number | undefined {
  if (presentPattern.test(message)) return 0;
  const duration = pulledPattern.exec(message)?.[1];
  return duration === undefined ? undefined : goDurationS(duration);
}
