// SPDX-License-Identifier: Apache-2.0
// Writes a role's replica count through its RoleBasedGroupScalingAdapter's `/scale` (docs/reference.md §A.3, §A.8):
// only a Bound adapter, clamped to >= 0, no write when nothing changes, GET then PUT with the
// resourceVersion so a concurrent writer (HPA, KEDA, a person) causes a conflict, not a lost update.
import type { SelfMetrics } from '../serving/self-metrics.js';
import type { Logger } from '../telemetry/logger.js';
import {
  missingAdapterMessage,
  scalingAdapterName,
  type RoleAdapterState,
  type RoleRef,
  type ScalingAdapterApi,
} from './adapters.js';
import {
  defaultRetryPolicy,
  realSleep,
  withRetries,
  type RetryContext,
  type RetryPolicy,
  type Sleep,
} from './retry.js';

/** What one write did. */
export type ScaleOutcome =
  | {
      readonly outcome: 'written';
      /** `spec.replicas` before the write (0 when unset, as the apiserver reports it). */
      readonly from: number;
      readonly to: number;
      /** Read-and-write tries, conflicts and transient failures included. */
      readonly attempts: number;
    }
  | { readonly outcome: 'unchanged'; readonly replicas: number }
  | { readonly outcome: 'not-bound'; readonly phase: string }
  | { readonly outcome: 'not-found'; readonly message: string }
  | { readonly outcome: 'failed'; readonly message: string; readonly attempts: number };

export interface ScaleRequest {
  readonly ref: RoleRef;
  /** Desired replicas; negative values become 0 (the RBGSA CRD has no minimum, docs/reference.md §A.3). */
  readonly replicas: number;
  /** Policy label for `pdscaler_scale_writes_total`; no metric is counted without it. */
  readonly policy?: string;
  readonly signal?: AbortSignal;
}

export interface ScaleWriterOptions {
  readonly api: ScalingAdapterApi;
  readonly logger: Logger;
  /** @default defaultRetryPolicy: 5 tries, full jitter from 200 ms up to 10 s */
  readonly retry?: Partial<RetryPolicy>;
  readonly sleep?: Sleep;
  readonly random?: () => number;
  readonly metrics?: SelfMetrics;
}

/** The `outcome` label of `pdscaler_scale_writes_total` (serving/self-metrics.ts). */
const metricOutcome = {
  written: 'written',
  unchanged: 'unchanged',
  'not-bound': 'skipped',
  'not-found': 'skipped',
  failed: 'failed',
} as const satisfies Record<ScaleOutcome['outcome'], string>;

/** `rolebasedgroupscalingadapters/llama-prefill in serving`, for logs. */
function adapterCall(ref: RoleRef): string {
  return `rolebasedgroupscalingadapters/${scalingAdapterName(ref)} in ${ref.namespace}`;
}

export class ScaleWriter {
  private readonly api: ScalingAdapterApi;
  private readonly logger: Logger;
  private readonly policy: RetryPolicy;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly metrics: SelfMetrics | undefined;

  constructor(options: ScaleWriterOptions) {
    this.api = options.api;
    this.logger = options.logger;
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.metrics = options.metrics;
  }

  /**
   * The role's adapter as the loop needs it, or undefined when the adapter does not exist (see
   * `missingAdapterMessage`). Throws after retries when the apiserver cannot answer.
   */
  async readRole(ref: RoleRef, signal?: AbortSignal): Promise<RoleAdapterState | undefined> {
    const read = await withRetries(
      () => this.api.getAdapter(ref, signal),
      this.context(adapterCall(ref), signal),
    );
    if (!read.ok) throw read.error;
    return read.value;
  }

  /** Sets the role's `spec.replicas` through `/scale`. Never throws: failures are an outcome. */
  async write(request: ScaleRequest): Promise<ScaleOutcome> {
    const result = await this.attempt(request);
    const { ref } = request;
    const log = { namespace: ref.namespace, rbg: ref.rbg, role: ref.role };
    if (result.outcome === 'written')
      this.logger.info(
        { ...log, from: result.from, to: result.to, attempts: result.attempts },
        `scaling ${ref.role} from ${result.from} to ${result.to}`,
      );
    else if (result.outcome === 'failed')
      this.logger.warn(
        { ...log, attempts: result.attempts, err: result.message },
        `scaling ${ref.role} to ${request.replicas} failed: ${result.message}`,
      );
    if (request.policy !== undefined)
      this.metrics?.scaleWrites.inc({
        policy: request.policy,
        role: ref.role,
        outcome: metricOutcome[result.outcome],
      });
    return result;
  }

  private async attempt(request: ScaleRequest): Promise<ScaleOutcome> {
    const { ref, signal } = request;
    if (!Number.isFinite(request.replicas))
      return {
        outcome: 'failed',
        message: `replicas must be a finite number, got ${request.replicas}`,
        attempts: 0,
      };
    const to = Math.max(0, Math.round(request.replicas));
    const read = await withRetries(
      () => this.api.getAdapter(ref, signal),
      this.context(adapterCall(ref), signal),
    );
    if (!read.ok) return { outcome: 'failed', message: read.error.message, attempts: read.attempts };
    const adapter = read.value;
    if (adapter === undefined) return { outcome: 'not-found', message: missingAdapterMessage(ref) };
    if (adapter.phase !== 'Bound') return { outcome: 'not-bound', phase: adapter.phase };
    if (adapter.specReplicas === to) return { outcome: 'unchanged', replicas: to };
    const written = await withRetries(
      async (): Promise<ScaleOutcome> => {
        // Read inside the retried operation: after a conflict the next try works from the new version.
        const scale = await this.api.getScale(ref, signal);
        if (scale.specReplicas === to) return { outcome: 'unchanged', replicas: to };
        await this.api.replaceScale({ ref, scale, replicas: to, signal });
        return { outcome: 'written', from: scale.specReplicas ?? 0, to, attempts: 0 };
      },
      this.context(`${adapterCall(ref)}/scale`, signal, true),
    );
    if (!written.ok) return { outcome: 'failed', message: written.error.message, attempts: written.attempts };
    const value = written.value;
    return value.outcome === 'written' ? { ...value, attempts: written.attempts } : value;
  }

  /** `what` names the call for the retry log; only the /scale write re-reads, so only it retries conflicts. */
  private context(what: string, signal: AbortSignal | undefined, retryConflicts = false): RetryContext {
    return {
      policy: this.policy,
      sleep: this.sleep,
      random: this.random,
      retryConflicts,
      logger: this.logger,
      what,
      signal,
    };
  }
}
