// SPDX-License-Identifier: Apache-2.0
// One writer among pdscaler replicas: client-go's leader election on a `coordination.k8s.io/v1` Lease
// (k8s.io/client-go/tools/leaderelection). Candidates try every retry period (jittered); a lease is
// free when absent, released (empty holder), held by us, or not renewed for leaseDuration. Writes
// carry the resourceVersion, so of two candidates racing for a free lease exactly one wins (409).
// The leader renews every retry period and steps down once renewal has failed for renewDeadline,
// which is shorter than leaseDuration, so it stops writing before anyone may take over.
import {
  CoordinationV1Api,
  V1Lease,
  V1LeaseSpec,
  V1MicroTime,
  V1ObjectMeta,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { SelfMetrics } from '../serving/self-metrics.js';
import type { Logger } from '../telemetry/logger.js';
import { apiErrorStatus, describeApiError } from './api-error.js';
import { model } from './models.js';
import { requestOptions } from './request-options.js';
import { realSleep, type Sleep } from './retry.js';

export interface LeaderElectionOptions {
  readonly kubeConfig: KubeConfig;
  /** Namespace of the Lease. */
  readonly namespace: string;
  readonly leaseName: string;
  /** This replica; unique among candidates (the pod name). */
  readonly identity: string;
  /** How long a lease stays valid after its last renewal. @default 15 */
  readonly leaseDurationS?: number;
  /** The leader steps down when it could not renew for this long. @default 10 */
  readonly renewDeadlineS?: number;
  /** Pause between tries. @default 2 */
  readonly retryPeriodS?: number;
  /** Deadline of each Lease request in ms; below renewDeadline so a hung call cannot outlive it. @default 5000 */
  readonly requestTimeoutMs?: number;
  readonly onStartedLeading?: () => void;
  readonly onStoppedLeading?: () => void;
  readonly logger: Logger;
  /** Sets `pdscaler_leader` to 1 while leading. */
  readonly metrics?: SelfMetrics;
  readonly nowMs?: () => number;
  readonly sleep?: Sleep;
  readonly random?: () => number;
}

/** client-go's `JitterFactor` for the acquire loop: waits are retryPeriod x [1, 2.2). */
const acquireJitter = 1.2;

/** The lease fields the algorithm reads; MicroTime arrives as a string (client-node does not parse it). */
interface LeaseView {
  readonly holder: string;
  readonly renewMs: number | undefined;
  readonly durationMs: number;
  readonly transitions: number;
  readonly acquireMs: number | undefined;
}

function microTimeMs(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function viewLease(lease: V1Lease): LeaseView {
  const spec = lease.spec;
  return {
    holder: spec?.holderIdentity ?? '',
    renewMs: microTimeMs(spec?.renewTime),
    durationMs: (spec?.leaseDurationSeconds ?? 0) * 1000,
    transitions: spec?.leaseTransitions ?? 0,
    acquireMs: microTimeMs(spec?.acquireTime),
  };
}

/** Held by a live other candidate: a holder is named and renewTime + leaseDuration is still ahead. */
function heldByOther(view: LeaseView, identity: string, nowMs: number): boolean {
  return (
    view.holder !== '' &&
    view.holder !== identity &&
    view.renewMs !== undefined &&
    view.renewMs + view.durationMs > nowMs
  );
}

type TryResult = 'acquired' | 'held-by-other' | 'failed';

export class LeaderElector {
  private readonly coordination: CoordinationV1Api;
  private readonly options: LeaderElectionOptions;
  private readonly leaseDurationS: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly requestTimeoutMs: number;
  private readonly nowMs: () => number;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private leading = false;
  private lastRenewMs = 0;
  private running: Promise<void> | undefined;

  constructor(options: LeaderElectionOptions) {
    this.options = options;
    this.leaseDurationS = options.leaseDurationS ?? 15;
    this.renewDeadlineMs = (options.renewDeadlineS ?? 10) * 1000;
    this.retryPeriodMs = (options.retryPeriodS ?? 2) * 1000;
    // client-go's NewLeaderElector checks: leaseDuration > renewDeadline > JitterFactor x retryPeriod.
    if (!(this.leaseDurationS * 1000 > this.renewDeadlineMs))
      throw new Error('leaderElection: leaseDuration must be greater than renewDeadline');
    if (!(this.renewDeadlineMs > acquireJitter * this.retryPeriodMs))
      throw new Error('leaderElection: renewDeadline must be greater than 1.2 x retryPeriod');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    this.nowMs = options.nowMs ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.coordination = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.log = options.logger.child({ lease: `${options.namespace}/${options.leaseName}` });
  }

  /** Starts campaigning in the background; calling it again does nothing. */
  start(): void {
    this.running ??= this.run();
  }

  /**
   * True while this replica holds the lease. It turns false as soon as renewal has failed for
   * renewDeadline, even before the loop notices, so a caller never writes on a lease that may be lost.
   */
  isLeader(): boolean {
    return this.leading && this.nowMs() - this.lastRenewMs < this.renewDeadlineMs;
  }

  /**
   * Stops campaigning and, when leading, releases the lease (empty holder, leaseDurationSeconds 1,
   * client-go's ReleaseOnCancel) so a standby takes over at its next try instead of after leaseDuration.
   * Waits for a Lease request in flight (at most requestTimeoutMs). An elector does not start again.
   */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    if (!this.leading) return;
    await this.release();
    this.setLeading(false, 'stopped');
  }

  private async run(): Promise<void> {
    while (!this.stopped()) {
      await this.step();
      if (this.stopped()) return;
      const jitterMs = this.leading ? 0 : this.random() * acquireJitter * this.retryPeriodMs;
      await this.sleep(this.retryPeriodMs + jitterMs, this.abort.signal);
    }
  }

  private stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /**
   * Options for one Lease request. Only its deadline bounds it: linking each request to the elector's
   * lifelong stop signal would leave a reference on that signal per request (a leak over days of renewals);
   * stop() waits for at most one request instead.
   */
  private call(): ReturnType<typeof requestOptions> {
    return requestOptions({ timeoutMs: this.requestTimeoutMs });
  }

  private async step(): Promise<void> {
    const nowMs = this.nowMs();
    const result = await this.tryAcquireOrRenew(nowMs);
    if (result === 'acquired') {
      this.lastRenewMs = nowMs;
      if (!this.leading) this.setLeading(true, 'acquired');
      return;
    }
    if (!this.leading) return;
    if (result === 'held-by-other') this.setLeading(false, 'lease taken by another holder');
    else if (nowMs - this.lastRenewMs >= this.renewDeadlineMs)
      this.setLeading(false, `could not renew within the renew deadline (${this.renewDeadlineMs / 1000}s)`);
  }

  private async tryAcquireOrRenew(nowMs: number): Promise<TryResult> {
    const { namespace, leaseName: name, identity } = this.options;
    try {
      const lease = await this.readLease();
      if (lease === undefined) {
        const body = model(V1Lease, {
          metadata: model(V1ObjectMeta, { name, namespace }),
          spec: this.spec({ nowMs, transitions: 0 }),
        });
        await this.coordination.createNamespacedLease({ namespace, body }, this.call());
        return 'acquired';
      }
      const view = viewLease(lease);
      if (heldByOther(view, identity, nowMs)) return 'held-by-other';
      const ours = view.holder === identity;
      lease.spec = this.spec({
        nowMs,
        transitions: ours ? view.transitions : view.transitions + 1,
        ...(ours && view.acquireMs !== undefined ? { acquireMs: view.acquireMs } : {}),
      });
      await this.coordination.replaceNamespacedLease({ namespace, name, body: lease }, this.call());
      return 'acquired';
    } catch (error) {
      // 409 on create or update: another candidate wrote first; it leads, we retry later.
      const level = apiErrorStatus(error) === 409 ? 'debug' : 'warn';
      this.log[level]({ err: describeApiError(error).message }, 'could not acquire or renew the lease');
      return 'failed';
    }
  }

  private async readLease(): Promise<V1Lease | undefined> {
    const { namespace, leaseName: name } = this.options;
    try {
      return await this.coordination.readNamespacedLease({ namespace, name }, this.call());
    } catch (error) {
      if (apiErrorStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /** A held lease; MicroTime serializes as RFC 3339 with microseconds (`…T12:00:00.123000Z`). */
  private spec(record: { nowMs: number; transitions: number; acquireMs?: number }): V1LeaseSpec {
    return model(V1LeaseSpec, {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationS),
      acquireTime: new V1MicroTime(record.acquireMs ?? record.nowMs),
      renewTime: new V1MicroTime(record.nowMs),
      leaseTransitions: record.transitions,
    });
  }

  private async release(): Promise<void> {
    const { namespace, leaseName: name, identity } = this.options;
    try {
      const lease = await this.coordination.readNamespacedLease({ namespace, name }, this.call());
      const view = viewLease(lease);
      if (view.holder !== identity) return;
      const now = new V1MicroTime(this.nowMs());
      lease.spec = model(V1LeaseSpec, {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: view.transitions,
      });
      await this.coordination.replaceNamespacedLease({ namespace, name, body: lease }, this.call());
      this.log.info('released the lease');
    } catch (error) {
      this.log.warn(
        { err: describeApiError(error).message },
        'could not release the lease; a standby takes over when it expires',
      );
    }
  }

  private setLeading(leading: boolean, why: string): void {
    this.leading = leading;
    this.options.metrics?.leader.set(leading ? 1 : 0);
    this.log.info({ identity: this.options.identity, why }, leading ? 'started leading' : 'stopped leading');
    const callback = leading ? this.options.onStartedLeading : this.options.onStoppedLeading;
    try {
      callback?.();
    } catch (error) {
      this.log.error({ err: describeApiError(error).message }, 'leader election callback threw');
    }
  }
}
