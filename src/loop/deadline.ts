// SPDX-License-Identifier: Apache-2.0
// Bounds one piece of tick work. At the deadline the work's abort signal fires; work that honours it
// (the scraper cancels the late pages, the collectors then summarize what did arrive and mark the rest
// failing) gets a short grace to hand back that partial result. Work that ignores the signal is left
// behind and the tick goes on with the fallback: a stuck source cannot stall a tick.
import type { Timers } from '../sources/discovery/pods.js';

export interface DeadlineOutcome<T> {
  readonly value: T;
  /** The deadline passed (the value may still be the work's partial result). */
  readonly timedOut: boolean;
}

export interface DeadlineOptions<T> {
  readonly ms: number;
  readonly fallback: () => T;
  readonly timers: Timers;
  /** How long aborted work may take to return its partial result. @default a quarter of `ms`, at most 250 ms */
  readonly graceMs?: number;
}

function sleep(timers: Timers, ms: number): { done: Promise<void>; cancel: () => void } {
  let handle: unknown;
  const done = new Promise<void>((resolve) => {
    handle = timers.setTimeout(resolve, ms);
  });
  return {
    done,
    cancel: () => {
      timers.clearTimeout(handle);
    },
  };
}

export async function withDeadline<T>(
  work: (signal: AbortSignal) => Promise<T>,
  options: DeadlineOptions<T>,
): Promise<DeadlineOutcome<T>> {
  const controller = new AbortController();
  // Wrapped so "no answer yet" (null) cannot be confused with any value the work returns.
  const result = work(controller.signal).then(
    (value) => ({ value }),
    () => ({ value: options.fallback() }),
  );
  const deadline = sleep(options.timers, options.ms);
  const first = await Promise.race([result, deadline.done.then(() => null)]);
  deadline.cancel();
  if (first !== null) return { value: first.value, timedOut: false };
  controller.abort(new Error(`tick deadline of ${options.ms} ms passed`));
  const grace = sleep(options.timers, options.graceMs ?? Math.min(250, options.ms / 4));
  const partial = await Promise.race([result, grace.done.then(() => null)]);
  grace.cancel();
  return { value: partial === null ? options.fallback() : partial.value, timedOut: true };
}
