// SPDX-License-Identifier: Apache-2.0
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from '../../src/loop/deadline.js';
import { IntervalScheduler } from '../../src/loop/scheduler.js';
import { systemTimers } from '../../src/sources/discovery/pods.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function scheduler(runMs: () => number, onSkipped?: (slots: number) => void) {
  const starts: number[] = [];
  let running = 0;
  let maxConcurrent = 0;
  const s = new IntervalScheduler({
    intervalMs: 1000,
    timers: systemTimers,
    nowMs: () => Date.now(),
    ...(onSkipped === undefined ? {} : { onSkipped }),
    run: async () => {
      starts.push(Date.now());
      running++;
      maxConcurrent = Math.max(maxConcurrent, running);
      await new Promise((resolve) => setTimeout(resolve, runMs()));
      running--;
    },
  });
  return { s, starts, maxConcurrent: () => maxConcurrent };
}

describe('IntervalScheduler', () => {
  it('runs at once and then once per interval', async () => {
    const { s, starts } = scheduler(() => 100);
    s.start();
    await vi.advanceTimersByTimeAsync(3500);
    await s.stop();
    expect(starts).toEqual([0, 1000, 2000, 3000]);
  });

  it('never overlaps runs and skips the slots a slow run overran', async () => {
    const skipped: number[] = [];
    let calls = 0;
    const { s, starts, maxConcurrent } = scheduler(
      () => (++calls === 1 ? 2500 : 100),
      (n) => skipped.push(n),
    );
    s.start();
    await vi.advanceTimersByTimeAsync(5200);
    await s.stop();
    expect(maxConcurrent()).toBe(1);
    expect(starts).toEqual([0, 3000, 4000, 5000]);
    expect(skipped).toEqual([2]);
  });

  it('keeps its schedule when a run throws', async () => {
    const starts: number[] = [];
    const s = new IntervalScheduler({
      intervalMs: 1000,
      timers: systemTimers,
      nowMs: () => Date.now(),
      run: () => {
        starts.push(Date.now());
        return Promise.reject(new Error('boom'));
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(2100);
    await s.stop();
    expect(starts).toEqual([0, 1000, 2000]);
  });

  it('stops scheduling after stop() and waits for the run in flight', async () => {
    const { s, starts } = scheduler(() => 500);
    s.start();
    await vi.advanceTimersByTimeAsync(100);
    const stopped = s.stop();
    await vi.advanceTimersByTimeAsync(5000);
    await stopped;
    expect(starts).toEqual([0]);
  });
});

describe('withDeadline', () => {
  it('returns the work when it finishes in time', async () => {
    const outcome = withDeadline(() => Promise.resolve('done'), {
      ms: 100,
      fallback: () => 'late',
      timers: systemTimers,
    });
    await expect(outcome).resolves.toEqual({ value: 'done', timedOut: false });
  });

  it('takes the partial result that aborted work returns within the grace', async () => {
    const outcome = withDeadline(
      (signal) =>
        new Promise<string>((resolve) => {
          signal.addEventListener('abort', () => {
            setTimeout(() => {
              resolve('partial');
            }, 10);
          });
        }),
      { ms: 100, fallback: () => 'fallback', timers: systemTimers, graceMs: 50 },
    );
    await vi.advanceTimersByTimeAsync(110);
    await expect(outcome).resolves.toEqual({ value: 'partial', timedOut: true });
  });

  it('goes on with the fallback when the work ignores the abort past the grace', async () => {
    let aborted = false;
    const outcome = withDeadline(
      (signal) =>
        new Promise<string>(() => {
          signal.addEventListener('abort', () => (aborted = true));
        }),
      { ms: 100, fallback: () => 'fallback', timers: systemTimers },
    );
    await vi.advanceTimersByTimeAsync(100 + 25);
    await expect(outcome).resolves.toEqual({ value: 'fallback', timedOut: true });
    expect(aborted).toBe(true);
  });

  it('uses the fallback when the work rejects', async () => {
    const outcome = withDeadline(() => Promise.reject(new Error('x')), {
      ms: 100,
      fallback: () => 'fallback',
      timers: systemTimers,
    });
    await expect(outcome).resolves.toEqual({ value: 'fallback', timedOut: false });
  });
});
