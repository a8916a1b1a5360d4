// SPDX-License-Identifier: Apache-2.0
// Retry delays for re-listing after a watch drops. Pure, so the schedule is a table test.

/** Exponential backoff settings. Defaults are client-go's reflector (`NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, …)`). */
export interface BackoffOptions {
  /** First delay in ms. @default 800 */
  readonly initialMs?: number;
  /** Largest delay in ms. @default 30000 */
  readonly maxMs?: number;
  /** A watch that stayed up this long (ms) resets the schedule to the first delay. @default 120000 */
  readonly resetAfterMs?: number;
}

export interface ResolvedBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly resetAfterMs: number;
}

export function resolveBackoff(options: BackoffOptions = {}): ResolvedBackoff {
  return {
    initialMs: options.initialMs ?? 800,
    maxMs: options.maxMs ?? 30_000,
    resetAfterMs: options.resetAfterMs ?? 120_000,
  };
}

/**
 * Delay before retry number `attempt` (0-based): initial x 2^attempt, capped.
 * E.g. with the defaults: 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, …
 */
export function backoffDelayMs(backoff: ResolvedBackoff, attempt: number): number {
  // Clamp the exponent so a long outage cannot reach Infinity; the cap applies long before.
  const exponent = Math.min(Math.max(attempt, 0), 30);
  return Math.min(backoff.initialMs * 2 ** exponent, backoff.maxMs);
}
