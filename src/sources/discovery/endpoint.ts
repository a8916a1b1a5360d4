// SPDX-License-Identifier: Apache-2.0
// From one pod object to the endpoint to scrape, or to nothing. Pure: the watch loop in pods.ts feeds it.
import { isLeaderPod, type LabelScheme } from './labels.js';

/**
 * The few pod fields discovery reads. Both the list response (client-node deserialized `V1Pod`) and raw
 * watch events (plain JSON) fit this shape, so nothing here depends on which one it came from.
 */
export interface PodLike {
  readonly metadata?: {
    readonly uid?: string | undefined;
    readonly name?: string | undefined;
    readonly namespace?: string | undefined;
    readonly resourceVersion?: string | undefined;
    readonly labels?: Readonly<Record<string, string>> | undefined;
    readonly annotations?: Readonly<Record<string, string>> | undefined;
    /** Set once deletion started (a `Date` after client-node deserializes it, a string in watch JSON). */
    readonly deletionTimestamp?: unknown;
  };
  readonly status?: {
    readonly phase?: string | undefined;
    readonly podIP?: string | undefined;
    readonly conditions?: readonly { readonly type?: string; readonly status?: string }[] | undefined;
  };
}

/** Where the metrics port and path come from; the policy wins over annotations, which win over defaults. */
export interface MetricsLocation {
  /** TCP port of the engine's metrics endpoint; @default from the `prometheus.io/port` annotation, else 8000. */
  readonly port?: number | undefined;
  /** HTTP path; @default from the `prometheus.io/path` annotation, else `/metrics`. */
  readonly path?: string | undefined;
}

/** The de-facto Prometheus scrape annotations (prometheus/prometheus kubernetes example config). */
export const PORT_ANNOTATION = 'prometheus.io/port';
export const PATH_ANNOTATION = 'prometheus.io/path';

/**
 * 8000 is vLLM's default `--port` (its OpenAI server also serves `/metrics` there) and the port the RBG
 * examples route to (`http://<rbg>-prefill-0.s-<rbg>-prefill:8000`, docs/reference.md §A.4).
 * SGLang defaults to 30000 and the RBG SGLang examples use 9090, so set the port in the policy or
 * annotate the pods for those.
 */
export const DEFAULT_METRICS_PORT = 8000;
/** Where vLLM, SGLang and Dynamo all serve Prometheus text (docs/reference.md §C). */
export const DEFAULT_METRICS_PATH = '/metrics';

/** One pod to scrape. */
export interface PodEndpoint {
  readonly uid: string;
  readonly pod: string;
  readonly namespace: string;
  readonly ip: string;
  readonly port: number;
  readonly path: string;
  /** `http://ip:port/path`, IPv6 addresses in brackets. */
  readonly url: string;
  /** The label scheme whose selector found the pod. */
  readonly labelScheme: LabelScheme;
  /** Annotation values that were ignored, e.g. `annotation prometheus.io/port = "http", must be …`. */
  readonly issues: readonly string[];
}

/**
 * Ready means what the Endpoints controller means: condition `Ready=True`, and not terminating (a pod
 * keeps `Ready=True` for a while after its deletion started, but it is draining and must not count).
 */
export function isReadyPod(pod: PodLike): boolean {
  if (pod.metadata?.deletionTimestamp != null) return false;
  if (pod.status?.phase !== 'Running') return false;
  return (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

const portPattern = /^[0-9]{1,5}$/;
// A path starts with `/` and holds no whitespace or control characters (it goes into a request line).
// eslint-disable-next-line no-control-regex
const pathPattern = /^\/[^\s\u0000-\u001f\u007f]{0,1023}$/;

function parsePort(raw: string | undefined, issues: string[]): number | undefined {
  if (raw === undefined) return undefined;
  const port = portPattern.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (port >= 1 && port <= 65535) return port;
  issues.push(`annotation ${PORT_ANNOTATION} = ${JSON.stringify(raw)}, must be an integer in [1, 65535]`);
  return undefined;
}

function parsePath(raw: string | undefined, issues: string[]): string | undefined {
  if (raw === undefined) return undefined;
  if (pathPattern.test(raw)) return raw;
  issues.push(
    `annotation ${PATH_ANNOTATION} = ${JSON.stringify(raw)}, must start with "/" and hold no whitespace`,
  );
  return undefined;
}

function hostForUrl(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

/** Whether a pod serves traffic for the role right now: ready, with an IP, and a leader if it must be. */
function isScrapeable(pod: PodLike, scheme: LabelScheme, role: { readonly leaderWorker: boolean }): boolean {
  const ip = pod.status?.podIP;
  if (ip === undefined || ip === '' || !isReadyPod(pod)) return false;
  return !role.leaderWorker || isLeaderPod(pod.metadata?.labels ?? {}, scheme);
}

/**
 * The endpoint of a pod, or `undefined` when the pod must not be scraped: not ready, terminating, no IP
 * yet, not a leader of a leader-worker role, or missing its uid or name.
 */
export function toEndpoint(
  pod: PodLike,
  scheme: LabelScheme,
  role: { readonly leaderWorker: boolean },
  location: MetricsLocation,
): PodEndpoint | undefined {
  const meta = pod.metadata;
  const ip = pod.status?.podIP;
  if (meta?.uid === undefined || meta.name === undefined || ip === undefined) return undefined;
  if (!isScrapeable(pod, scheme, role)) return undefined;
  const issues: string[] = [];
  const annotations = meta.annotations ?? {};
  // Annotations are parsed even when the policy overrides them, so a wrong one is still reported.
  const annotatedPort = parsePort(annotations[PORT_ANNOTATION], issues);
  const annotatedPath = parsePath(annotations[PATH_ANNOTATION], issues);
  const port = location.port ?? annotatedPort ?? DEFAULT_METRICS_PORT;
  const path = location.path ?? annotatedPath ?? DEFAULT_METRICS_PATH;
  return {
    uid: meta.uid,
    pod: meta.name,
    namespace: meta.namespace ?? '',
    ip,
    port,
    path,
    url: `http://${hostForUrl(ip)}:${port}${path}`,
    labelScheme: scheme,
    issues,
  };
}
