// SPDX-License-Identifier: Apache-2.0
// Scrape health as a narrative: which scrape causes which transition, so the caller logs once per change.
import { describe, expect, it } from 'vitest';
import type { ScrapeFailure } from '../../../src/sources/scrape/scraper.js';
import {
  TargetHealth,
  type ScrapeOutcome,
  type TargetTransition,
} from '../../../src/sources/scrape/target-health.js';

const t0 = Date.UTC(2026, 0, 1);
const timeout: ScrapeFailure = {
  code: 'SCRAPE_TIMEOUT',
  message: 'no complete answer within 2000 ms from http://a',
};
const http500: ScrapeFailure = { code: 'SCRAPE_HTTP_STATUS', message: 'HTTP 500 from http://a', status: 500 };
const ok = (atMs: number): ScrapeOutcome => ({ ok: true, fetchedAtMs: atMs });
const miss = (reason: ScrapeFailure = timeout): ScrapeOutcome => ({ ok: false, reason });

/** Records a sequence for one key and keeps only the scrapes that caused a transition. */
function transitions(health: TargetHealth, outcomes: readonly ScrapeOutcome[]): [number, string][] {
  const seen: [number, string][] = [];
  outcomes.forEach((outcome, i) => {
    const change: TargetTransition | undefined = health.record('pod-a', outcome);
    if (change !== undefined) seen.push([i + 1, `${change.from}->${change.to}`]);
  });
  return seen;
}

describe('TargetHealth', () => {
  it('10 failures in a row from healthy: exactly healthy->failing at miss 1 and failing->stale at miss 3', () => {
    const health = new TargetHealth();
    health.record('pod-a', ok(t0));
    expect(
      transitions(
        health,
        Array.from({ length: 10 }, () => miss()),
      ),
    ).toEqual([
      [1, 'healthy->failing'],
      [3, 'failing->stale'],
    ]);
    expect(health.get('pod-a')).toEqual({ state: 'stale', misses: 10, lastOkMs: t0, lastFailure: timeout });
  });

  it('a changing failure reason is not a transition; recovery is, with the misses it ended', () => {
    const health = new TargetHealth();
    health.record('pod-a', ok(t0));
    expect(health.record('pod-a', miss(timeout))).toMatchObject({
      to: 'failing',
      misses: 1,
      reason: timeout,
    });
    expect(health.record('pod-a', miss(http500))).toBeUndefined();
    expect(health.record('pod-a', miss(timeout))).toMatchObject({ from: 'failing', to: 'stale', misses: 3 });
    expect(health.record('pod-a', miss(http500))).toBeUndefined();
    expect(health.isStale('pod-a')).toBe(true);
    expect(health.record('pod-a', ok(t0 + 60_000))).toEqual({
      key: 'pod-a',
      from: 'stale',
      to: 'healthy',
      misses: 0,
      recoveredAfterMisses: 4,
    });
    expect(health.get('pod-a')).toMatchObject({ state: 'healthy', misses: 0, lastOkMs: t0 + 60_000 });
  });

  it('recovers from failing before it went stale', () => {
    const health = new TargetHealth();
    expect(transitions(health, [ok(t0), miss(), miss(), ok(t0 + 30_000), ok(t0 + 45_000)])).toEqual([
      [2, 'healthy->failing'],
      [4, 'failing->healthy'],
    ]);
  });

  it('a new endpoint: the first success is not news, the first failure is', () => {
    expect(transitions(new TargetHealth(), [ok(t0), ok(t0 + 15_000)])).toEqual([]);
    expect(transitions(new TargetHealth(), [miss(), miss(), miss(), miss()])).toEqual([
      [1, 'unknown->failing'],
      [3, 'failing->stale'],
    ]);
  });

  it.each([
    { staleAfterMisses: 1, want: [[1, 'healthy->stale']] },
    {
      staleAfterMisses: 5,
      want: [
        [1, 'healthy->failing'],
        [5, 'failing->stale'],
      ],
    },
  ])('staleAfterMisses = $staleAfterMisses', ({ staleAfterMisses, want }) => {
    const health = new TargetHealth({ staleAfterMisses });
    health.record('pod-a', ok(t0));
    expect(
      transitions(
        health,
        Array.from({ length: 10 }, () => miss()),
      ),
    ).toEqual(want);
  });

  it('forgets endpoints that left and counts the rest by state', () => {
    const health = new TargetHealth();
    health.record('a', ok(t0));
    health.record('b', miss());
    for (let i = 0; i < 3; i++) health.record('c', miss());
    expect(health.counts()).toEqual({ healthy: 1, failing: 1, stale: 1 });
    health.retainOnly(['a', 'c']);
    expect(health.get('b')).toBeUndefined();
    expect(health.counts()).toEqual({ healthy: 1, failing: 0, stale: 1 });
  });

  it('rejects a threshold below 1', () => {
    expect(() => new TargetHealth({ staleAfterMisses: 0 })).toThrow(
      'staleAfterMisses = 0, must be an integer >= 1',
    );
  });
});
