// SPDX-License-Identifier: Apache-2.0
// Per-endpoint scrape health: consecutive misses, with a state that changes rarely so the caller can
// log once per change instead of once per failed scrape. A stale endpoint means "unknown", never zero:
// the caller marks its fields stale and the decision holds (docs/design.md "Unknown is not zero").
/**
 * Why an endpoint missed: a scrape failure (`TargetFailure`) or a page that could not be used
 * (`PAGE_INVALID`, `PAGE_NO_ENGINE_METRICS` from the collector).
 */
export interface TargetFailure {
  readonly code: string;
  readonly message: string;
}

/**
 * - `healthy`: the last scrape worked.
 * - `failing`: 1 to N-1 consecutive misses; the last good page may still be used.
 * - `stale`: N or more consecutive misses; the endpoint's data must not be used.
 */
export type TargetState = 'healthy' | 'failing' | 'stale';

/** A change of state worth one log line. */
export interface TargetTransition {
  readonly key: string;
  /** `unknown` for an endpoint never scraped before. */
  readonly from: TargetState | 'unknown';
  readonly to: TargetState;
  /** Consecutive misses after this scrape (0 on recovery). */
  readonly misses: number;
  /** The failure that caused it; absent on recovery. */
  readonly reason?: TargetFailure;
  /** Misses that ended with this recovery. */
  readonly recoveredAfterMisses?: number;
}

export interface TargetHealthOptions {
  /** Consecutive misses after which an endpoint is stale. @default 3 */
  readonly staleAfterMisses?: number;
}

export interface TargetSnapshot {
  readonly state: TargetState;
  readonly misses: number;
  /** When the last good page was fetched (ms since epoch). */
  readonly lastOkMs: number | undefined;
  /** The most recent failure, kept after recovery for the status page. */
  readonly lastFailure: TargetFailure | undefined;
}

interface Entry {
  state: TargetState;
  misses: number;
  lastOkMs: number | undefined;
  lastFailure: TargetFailure | undefined;
}

/** The outcome of one scrape, as TargetHealth needs it (a `ScrapeResult` fits). */
export type ScrapeOutcome =
  | { readonly ok: true; readonly fetchedAtMs: number }
  | { readonly ok: false; readonly reason: TargetFailure };

/**
 * Tracks endpoints by key (pod uid or URL). Not thread-safe in any sense that matters in Node: call
 * `record` from one place per scrape pass.
 */
export class TargetHealth {
  private readonly staleAfter: number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: TargetHealthOptions = {}) {
    const staleAfter = options.staleAfterMisses ?? 3;
    if (!Number.isInteger(staleAfter) || staleAfter < 1) {
      throw new Error(`staleAfterMisses = ${staleAfter}, must be an integer >= 1`);
    }
    this.staleAfter = staleAfter;
  }

  /**
   * Records one scrape and returns the transition it caused, if any. With the default N = 3, ten
   * failures in a row from healthy give exactly two: healthy -> failing (miss 1), failing -> stale
   * (miss 3); the next success gives stale -> healthy. A failure reason that changes while failing is
   * not a transition.
   */
  record(key: string, outcome: ScrapeOutcome): TargetTransition | undefined {
    const entry = this.entries.get(key);
    if (outcome.ok) return this.recordOk(key, entry, outcome.fetchedAtMs);
    const misses = (entry?.misses ?? 0) + 1;
    const to: TargetState = misses >= this.staleAfter ? 'stale' : 'failing';
    const from = entry?.state ?? 'unknown';
    this.entries.set(key, {
      state: to,
      misses,
      lastOkMs: entry?.lastOkMs,
      lastFailure: outcome.reason,
    });
    return from === to ? undefined : { key, from, to, misses, reason: outcome.reason };
  }

  /** The state of one endpoint, or undefined if it was never recorded (or forgotten). */
  get(key: string): TargetSnapshot | undefined {
    const entry = this.entries.get(key);
    return entry === undefined ? undefined : { ...entry };
  }

  isStale(key: string): boolean {
    return this.entries.get(key)?.state === 'stale';
  }

  /** Forgets endpoints not in `keys` (pods that left the role), so the map does not grow forever. */
  retainOnly(keys: Iterable<string>): void {
    const keep = new Set(keys);
    for (const key of this.entries.keys()) if (!keep.has(key)) this.entries.delete(key);
  }

  /** Endpoints per state, for a status page or a gauge. */
  counts(): Readonly<Record<TargetState, number>> {
    const counts = { healthy: 0, failing: 0, stale: 0 };
    for (const entry of this.entries.values()) counts[entry.state]++;
    return counts;
  }

  private recordOk(key: string, entry: Entry | undefined, fetchedAtMs: number): TargetTransition | undefined {
    this.entries.set(key, {
      state: 'healthy',
      misses: 0,
      lastOkMs: fetchedAtMs,
      lastFailure: entry?.lastFailure,
    });
    // A first good scrape is not news; only a recovery is.
    if (entry === undefined || entry.state === 'healthy') return undefined;
    return { key, from: entry.state, to: 'healthy', misses: 0, recoveredAfterMisses: entry.misses };
  }
}
