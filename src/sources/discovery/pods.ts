// SPDX-License-Identifier: Apache-2.0
// The pods of one RBG role to scrape: list + watch through a narrow Kubernetes port, for both RBG label
// schemes, merged by pod uid. A dropped watch (error, server close, 410 Gone) keeps the last known
// endpoints, reports `resyncing` with the reason, and re-lists with exponential backoff before watching
// again (the client-go reflector pattern). Not a cache of everything: only the fields endpoint.ts reads.
import { backoffDelayMs, resolveBackoff, type BackoffOptions, type ResolvedBackoff } from './backoff.js';
import { toEndpoint, type MetricsLocation, type PodEndpoint, type PodLike } from './endpoint.js';
import { LabelSchemes, roleSelector, type LabelScheme, type RoleRef } from './labels.js';

/** One page of pods and the resourceVersion to watch from. */
export interface PodList {
  readonly items: readonly PodLike[];
  readonly resourceVersion: string;
}

/** Receives a watch stream. `done` is called at most once, when the stream ends for any reason. */
export interface PodWatchSink {
  /** `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR` (whose object is a `Status`). */
  event(type: string, object: unknown): void;
  /** `null` when the server closed the stream cleanly. */
  done(error: unknown): void;
}

export interface PodWatchQuery {
  readonly namespace: string;
  readonly labelSelector: string;
  readonly resourceVersion: string;
}

/** The Kubernetes port discovery needs (kube-pod-api.ts implements it with `@kubernetes/client-node`). */
export interface PodApi {
  /** Rejects on any failure; the message is shown as the resync reason. */
  list(namespace: string, labelSelector: string): Promise<PodList>;
  /** Resolves once the stream is open; `sink.done` may already have been called by then. */
  watch(query: PodWatchQuery, sink: PodWatchSink): Promise<{ stop(): void }>;
}

/** Timer functions, injected so tests can drive the backoff by hand. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** Where discovery stands; `resyncing` keeps serving the last known endpoints. */
export type DiscoveryStatus =
  | { readonly state: 'starting' }
  | { readonly state: 'healthy'; readonly sinceMs: number }
  | {
      readonly state: 'resyncing';
      readonly sinceMs: number;
      /** Per label scheme, e.g. `rbg-v0.7 labels: watch closed by the server`. */
      readonly reason: string;
      /** Retries so far in this outage. */
      readonly attempt: number;
    }
  | { readonly state: 'stopped' };

export interface PodDiscoveryOptions {
  readonly role: RoleRef;
  readonly api: PodApi;
  /** Port and path set by the policy; unset fields fall back to pod annotations, then defaults. */
  readonly metrics?: MetricsLocation;
  readonly backoff?: BackoffOptions;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default the global setTimeout/clearTimeout */
  readonly timers?: Timers;
  /** Called once per change of `status().state` (not per retry), so the caller logs without flooding. */
  readonly onStatusChange?: (status: DiscoveryStatus) => void;
}

// A Kubernetes label value: at most 63 characters, alphanumerics at both ends, `-_.` inside.
const labelValuePattern = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

function checkLabelValue(field: string, value: string): void {
  if (!labelValuePattern.test(value)) {
    throw new Error(`${field} = ${JSON.stringify(value)}, must be a Kubernetes label value`);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  return String(error);
}

/** The reason for an `ERROR` watch event, whose object is a `metav1.Status`. */
function describeWatchError(object: unknown): string {
  const status = (object ?? {}) as { code?: unknown; reason?: unknown; message?: unknown };
  const message = typeof status.message === 'string' ? status.message : 'no message';
  if (status.code === 410) return `watch expired (410 Gone): ${message}`;
  const code = typeof status.code === 'number' ? ` ${status.code}` : '';
  const reason = typeof status.reason === 'string' ? ` ${status.reason}` : '';
  return `watch error${code}${reason}: ${message}`;
}

function podUid(object: unknown): string | undefined {
  const uid = (object as PodLike | null)?.metadata?.uid;
  return typeof uid === 'string' ? uid : undefined;
}

interface StreamContext {
  readonly api: PodApi;
  readonly namespace: string;
  readonly backoff: ResolvedBackoff;
  readonly now: () => number;
  readonly timers: Timers;
  /** The pod set of a stream changed. */
  changed(): void;
  /** A stream's state changed. */
  stateChanged(): void;
}

type StreamState = 'starting' | 'healthy' | 'resyncing' | 'stopped';

/** List + watch for one label selector. Every async step checks `generation` so a stale stream is inert. */
class SelectorStream {
  readonly pods = new Map<string, PodLike>();
  state: StreamState = 'starting';
  reason = '';
  sinceMs = 0;
  attempt = 0;
  private generation = 0;
  private watch: { stop(): void } | undefined;
  private timer: unknown;
  private firstAttempt: (() => void) | undefined;
  /** When the current watch came up; a watch that lived `resetAfterMs` resets the backoff. */
  private watchUpSinceMs = 0;

  private readonly ctx: StreamContext;
  readonly scheme: LabelScheme;
  readonly selector: string;

  constructor(ctx: StreamContext, scheme: LabelScheme, selector: string) {
    this.ctx = ctx;
    this.scheme = scheme;
    this.selector = selector;
  }

  /** Resolves after the first list + watch attempt, whether it worked or not. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      this.firstAttempt = resolve;
      void this.sync();
    });
  }

  stop(): void {
    this.generation++;
    this.watch?.stop();
    this.watch = undefined;
    if (this.timer !== undefined) this.ctx.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.setState('stopped', '');
    this.settleFirstAttempt();
  }

  private async sync(): Promise<void> {
    const generation = ++this.generation;
    const live = () => generation === this.generation;
    let list: PodList;
    try {
      list = await this.ctx.api.list(this.ctx.namespace, this.selector);
    } catch (error) {
      if (live()) this.fail(`list failed: ${describeError(error)}`);
      return;
    }
    if (!live()) return;
    this.replaceAll(list.items);
    try {
      const watch = await this.ctx.api.watch(
        {
          namespace: this.ctx.namespace,
          labelSelector: this.selector,
          resourceVersion: list.resourceVersion,
        },
        {
          event: (type, object) => {
            if (live()) this.onEvent(type, object);
          },
          done: (error) => {
            if (!live()) return;
            this.fail(error == null ? 'watch closed by the server' : `watch failed: ${describeError(error)}`);
          },
        },
      );
      if (!live()) {
        watch.stop();
        return;
      }
      this.watch = watch;
      this.watchUpSinceMs = this.ctx.now();
      this.setState('healthy', '');
      this.settleFirstAttempt();
    } catch (error) {
      if (live()) this.fail(`watch failed: ${describeError(error)}`);
    }
  }

  private onEvent(type: string, object: unknown): void {
    if (type === 'ERROR') {
      this.fail(describeWatchError(object));
      return;
    }
    const uid = podUid(object);
    if (uid === undefined) return; // BOOKMARK and malformed objects carry no pod
    if (type === 'ADDED' || type === 'MODIFIED') this.pods.set(uid, object as PodLike);
    else if (type === 'DELETED') this.pods.delete(uid);
    else return;
    this.ctx.changed();
  }

  private replaceAll(items: readonly PodLike[]): void {
    this.pods.clear();
    for (const pod of items) {
      const uid = podUid(pod);
      if (uid !== undefined) this.pods.set(uid, pod);
    }
    this.ctx.changed();
  }

  private fail(reason: string): void {
    this.generation++;
    this.watch?.stop();
    this.watch = undefined;
    const now = this.ctx.now();
    if (this.state === 'healthy' && now - this.watchUpSinceMs >= this.ctx.backoff.resetAfterMs) {
      this.attempt = 0;
    }
    const delay = backoffDelayMs(this.ctx.backoff, this.attempt);
    this.attempt++;
    this.setState('resyncing', reason);
    this.timer = this.ctx.timers.setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, delay);
    this.settleFirstAttempt();
  }

  private setState(state: StreamState, reason: string): void {
    if (state !== this.state) this.sinceMs = this.ctx.now();
    const changed = state !== this.state || reason !== this.reason;
    this.state = state;
    this.reason = reason;
    if (changed) this.ctx.stateChanged();
  }

  private settleFirstAttempt(): void {
    const resolve = this.firstAttempt;
    this.firstAttempt = undefined;
    resolve?.();
  }
}

/**
 * The scrape endpoints of one RBG role, kept current by list + watch.
 *
 * Lifecycle: `start()` once, `stop()` once. Methods are synchronous reads of in-memory state and safe to
 * call at any time, including during a resync.
 */
export class RolePodDiscovery {
  private readonly streams: readonly SelectorStream[];
  private readonly metrics: MetricsLocation;
  private readonly onStatusChange: ((status: DiscoveryStatus) => void) | undefined;
  private readonly role: RoleRef;
  private cached: readonly PodEndpoint[] | undefined = Object.freeze([]);
  private lastState: DiscoveryStatus['state'] = 'starting';
  private stopped = false;

  constructor(options: PodDiscoveryOptions) {
    checkLabelValue('rbg', options.role.rbg);
    checkLabelValue('role', options.role.role);
    this.role = options.role;
    this.metrics = options.metrics ?? {};
    this.onStatusChange = options.onStatusChange;
    const ctx: StreamContext = {
      api: options.api,
      namespace: options.role.namespace,
      backoff: resolveBackoff(options.backoff),
      now: options.now ?? Date.now,
      timers: options.timers ?? systemTimers,
      changed: () => {
        this.cached = undefined;
      },
      stateChanged: () => {
        this.emitStatus();
      },
    };
    this.streams = LabelSchemes.map(
      (scheme) => new SelectorStream(ctx, scheme, roleSelector(this.role, scheme)),
    );
  }

  /** Starts both streams; resolves after each made its first attempt (check `status()` for the outcome). */
  async start(): Promise<void> {
    await Promise.all(this.streams.map((stream) => stream.start()));
  }

  /** Stops the watches and retry timers. */
  stop(): void {
    this.stopped = true;
    for (const stream of this.streams) stream.stop();
  }

  /** The label selectors queried, one per scheme. */
  selectors(): readonly string[] {
    return this.streams.map((stream) => stream.selector);
  }

  /**
   * Ready (leader) pods with an IP, merged by uid across both schemes, sorted by pod name. During a
   * resync this is the last known set: pods do not vanish because the watch did.
   */
  endpoints(): readonly PodEndpoint[] {
    if (this.cached !== undefined) return this.cached;
    const byUid = new Map<string, PodEndpoint>();
    for (const stream of this.streams) {
      for (const [uid, pod] of stream.pods) {
        if (byUid.has(uid)) continue;
        const endpoint = toEndpoint(pod, stream.scheme, this.role, this.metrics);
        if (endpoint !== undefined) byUid.set(uid, Object.freeze(endpoint));
      }
    }
    const sorted = [...byUid.values()].sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
    this.cached = Object.freeze(sorted);
    return this.cached;
  }

  status(): DiscoveryStatus {
    if (this.stopped) return { state: 'stopped' };
    const resyncing = this.streams.filter((stream) => stream.state === 'resyncing');
    if (resyncing.length > 0) {
      return {
        state: 'resyncing',
        sinceMs: Math.min(...resyncing.map((stream) => stream.sinceMs)),
        reason: resyncing.map((stream) => `${stream.scheme} labels: ${stream.reason}`).join('; '),
        attempt: Math.max(...resyncing.map((stream) => stream.attempt)),
      };
    }
    if (this.streams.some((stream) => stream.state === 'starting')) return { state: 'starting' };
    return { state: 'healthy', sinceMs: Math.max(...this.streams.map((stream) => stream.sinceMs)) };
  }

  private emitStatus(): void {
    const status = this.status();
    if (status.state === this.lastState) return;
    this.lastState = status.state;
    this.onStatusChange?.(status);
  }
}
