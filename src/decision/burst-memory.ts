// SPDX-License-Identifier: Apache-2.0
// Burst memory for scale-downs: bursts that went away and came back within a longer
// horizon than the scale-down window (30 minutes by default) will likely come back again, and a
// replica released between them takes a whole cold start to return, during which the burst misses
// its SLO. Bursty traffic (the Azure LLM inference code trace, Patel et al., "Splitwise", ISCA 2024)
// has idle gaps longer than the 5-minute window between bursts of seconds: the window alone released
// the fleet in every gap. A level counts as recurring only when demand reached it in two periods at
// least one bucket apart AND fell to at most half of it in between (a burst is at least twice the
// level around it): a decline (a day curve's evening), noisy as 15 s windows are, does not halve and
// come back, so it scales down as before.
import type { BurstBucket, EpochMs } from './types.js';

/** The horizon is cut into this many buckets; two periods one bucket apart are 1/6 of it apart. */
export const burstBucketsPerHorizon = 6;

/** Between two bursts demand falls to at most this share of their level. */
export const burstDipShare = 0.5;

/**
 * Folds one tick's scale-down recommendation into the buckets, dropping those wholly older than the
 * horizon. pre: `buckets` are in time order, as this function returns them.
 */
export function recordBurst(
  buckets: readonly BurstBucket[],
  down: number,
  nowMs: EpochMs,
  horizonS: number,
): readonly BurstBucket[] {
  if (horizonS <= 0) return [];
  const bucketMs = (horizonS * 1000) / burstBucketsPerHorizon;
  const startMs = Math.floor(nowMs / bucketMs) * bucketMs;
  const first = buckets[0];
  const current = buckets[buckets.length - 1];
  // Most ticks fall inside the current bucket's range with nothing expiring: the memory is unchanged
  // and shared, not copied (decide() runs this for every role of every policy each tick).
  if (
    current !== undefined &&
    current.startMs === startMs &&
    first !== undefined &&
    first.startMs + bucketMs > nowMs - horizonS * 1000 &&
    down <= current.max &&
    down >= current.min
  )
    return buckets;
  const kept = buckets.filter((b) => b.startMs + bucketMs > nowMs - horizonS * 1000 && b.startMs <= startMs);
  const last = kept[kept.length - 1];
  if (last !== undefined && last.startMs === startMs) {
    kept[kept.length - 1] = { startMs, max: Math.max(last.max, down), min: Math.min(last.min, down) };
  } else {
    kept.push({ startMs, max: down, min: down });
  }
  return kept;
}

/**
 * The highest level demand reached in two buckets at least one bucket apart with a dip to at most
 * half of it in between (from the first of them up to the second): 0 when nothing recurred. O(buckets^2), at most
 * seven buckets.
 */
export function recurringBurstLevel(buckets: readonly BurstBucket[], horizonS: number): number {
  if (horizonS <= 0) return 0;
  const bucketMs = (horizonS * 1000) / burstBucketsPerHorizon;
  let level = 0;
  for (let i = 0; i < buckets.length; i++) {
    const first = buckets[i];
    if (first === undefined) continue;
    let dip = first.min;
    for (let j = i + 1; j < buckets.length; j++) {
      const second = buckets[j];
      if (second === undefined) continue;
      const candidate = Math.min(first.max, second.max);
      if (
        second.startMs - first.startMs >= 2 * bucketMs &&
        dip <= candidate * burstDipShare &&
        candidate > level
      )
        level = candidate;
      dip = Math.min(dip, second.min);
    }
  }
  return level;
}
