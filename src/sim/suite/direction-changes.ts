// SPDX-License-Identifier: Apache-2.0
// Flapping per role over time, for the target of at most one direction change per role per 10 minutes. The
// backtest's `directionChanges` is one count per system over the whole trace; this finds, from the
// timeline's desired replicas (sampled every fleet step, so every change a system makes is seen), the
// most direction changes of one role inside any window of that length.
import type { Role } from '../../decision/types.js';
import type { SystemTimeline } from '../result.js';

/** The target's window: 10 minutes. */
export const directionWindowS = 600;

/**
 * Times (seconds) at which `desired` changes in the opposite direction to its previous change. The
 * first sample is the count after the system's first tick: a change at that very tick sets no
 * direction, so a reversal right at the start of the trace can go uncounted.
 */
export function directionChangeTimes(tS: readonly number[], desired: readonly number[]): number[] {
  const times: number[] = [];
  let lastDirection = 0;
  for (let i = 1; i < desired.length; i++) {
    const direction = Math.sign((desired[i] ?? 0) - (desired[i - 1] ?? 0));
    if (direction === 0) continue;
    if (lastDirection !== 0 && direction !== lastDirection) times.push(tS[i] ?? 0);
    lastDirection = direction;
  }
  return times;
}

/** The most of `times` (ascending) inside any half-open window [t, t + windowS). */
export function mostInWindow(times: readonly number[], windowS: number): number {
  let most = 0;
  let first = 0;
  for (let last = 0; last < times.length; last++) {
    while ((times[last] ?? 0) - (times[first] ?? 0) >= windowS) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/** Per role, the most direction changes in any 10-minute window of the run (drain included). */
export function maxDirectionChangesPerWindow(
  timeline: Pick<SystemTimeline, 'tS' | 'replicas'>,
  windowS = directionWindowS,
): Record<Role, number> {
  const per = (role: Role): number =>
    mostInWindow(directionChangeTimes(timeline.tS, timeline.replicas[role].desired), windowS);
  return { prefill: per('prefill'), decode: per('decode') };
}
