// SPDX-License-Identifier: Apache-2.0
// Bounded retries for Kubernetes writes: a conflict is retried at once after a re-read (the caller's
// operation re-reads), throttling and server errors back off with full jitter or the server's
// `Retry-After`, anything else fails at once. Sleep and randomness are injected so tests record delays.
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../telemetry/logger.js';
import { apiErrorStatus, describeApiError, retryAfterMs } from './api-error.js';

/** Waits `ms`; resolves early (without throwing) when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = async (ms, signal) => {
  try {
    await delay(ms, undefined, signal === undefined ? {} : { signal });
  } catch {
    // Aborted: the caller checks its own state after waking.
  }
};

export interface RetryPolicy {
  /** Tries in all, first one included. @default 5 */
  readonly maxAttempts: number;
  /** Backoff base: retry n waits up to `baseDelayMs x 2^(n-1)`. @default 200 */
  readonly baseDelayMs: number;
  /** Largest backoff, and the longest `Retry-After` worth waiting for in one call. @default 10000 */
  readonly maxDelayMs: number;
  /** Pause before retrying a conflict, client-go `retry.DefaultRetry` (10 ms steps). @default 10 */
  readonly conflictDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  conflictDelayMs: 10,
};

/** How a failed call may be retried. */
export type FailureKind = 'conflict' | 'transient' | 'permanent';

/** 409 is a conflict; 429, 5xx and no response at all (network, timeout) are transient; other 4xx are permanent. */
export function failureKind(error: unknown): FailureKind {
  const status = apiErrorStatus(error);
  if (status === undefined) return 'transient';
  if (status === 409) return 'conflict';
  if (status === 429 || status >= 500) return 'transient';
  return 'permanent';
}

/**
 * Full-jitter backoff (AWS "Exponential Backoff and Jitter"): uniform in [0, min(max, base x 2^retry)).
 * E.g. base 200, cap 10000: retry 0 waits < 200 ms, retry 3 < 1600 ms, retry 6 and later < 10000 ms.
 */
export function fullJitterDelayMs(policy: RetryPolicy, retry: number, random: () => number): number {
  const ceilingMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * ceilingMs);
}

export interface RetryContext {
  readonly policy: RetryPolicy;
  readonly sleep: Sleep;
  readonly random: () => number;
  /** Whether a 409 is worth another try: yes when the operation re-reads, no when it means "lost a race". */
  readonly retryConflicts: boolean;
  readonly logger: Logger;
  /** What is being done, for the debug log: `PUT rolebasedgroupscalingadapters/llama-prefill/scale`. */
  readonly what: string;
  readonly signal?: AbortSignal | undefined;
}

export type Attempted<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | {
      readonly ok: false;
      readonly error: Error;
      /** HTTP status of the last failure; undefined when no response arrived. */
      readonly status: number | undefined;
      readonly attempts: number;
    };

/** The wait before the next try, or undefined when the failure must not be retried. */
function nextDelayMs(error: unknown, retry: number, context: RetryContext): number | undefined {
  const kind = failureKind(error);
  if (kind === 'permanent') return undefined;
  if (kind === 'conflict') return context.retryConflicts ? context.policy.conflictDelayMs : undefined;
  const askedMs = retryAfterMs(error);
  // Waiting longer than the cap would stall the tick; the next tick tries again anyway.
  if (askedMs !== undefined) return askedMs <= context.policy.maxDelayMs ? askedMs : undefined;
  return fullJitterDelayMs(context.policy, retry, context.random);
}

/** Runs `operation` (given the 1-based attempt number) until it succeeds or may not be retried. */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  context: RetryContext,
): Promise<Attempted<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await operation(attempt), attempts: attempt };
    } catch (error) {
      const waitMs =
        attempt < context.policy.maxAttempts ? nextDelayMs(error, attempt - 1, context) : undefined;
      if (waitMs === undefined || context.signal?.aborted === true) {
        return {
          ok: false,
          error: describeApiError(error),
          status: apiErrorStatus(error),
          attempts: attempt,
        };
      }
      context.logger.debug(
        { attempt, waitMs, status: apiErrorStatus(error), err: describeApiError(error).message },
        `retrying ${context.what}`,
      );
      await context.sleep(waitMs, context.signal);
    }
  }
}
