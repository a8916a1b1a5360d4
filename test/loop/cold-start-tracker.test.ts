// SPDX-License-Identifier: Apache-2.0
// The per-role cold-start estimate: each pod counted once, the last 20 starts, p90 by nearest rank.
import { describe, expect, it } from 'vitest';
import { ColdStartTracker, withColdStart, type ColdStartSample } from '../../src/loop/cold-start-tracker.js';

const start = (i: number, coldStartS: number, pullS?: number): ColdStartSample => ({
  uid: `pod-${i}`,
  readyMs: i * 1000,
  coldStartS,
  ...(pullS === undefined ? {} : { pullS }),
});

describe('ColdStartTracker', () => {
  it('has no estimate before the first start', () => {
    const tracker = new ColdStartTracker();
    expect(tracker.estimate('prefill')).toBeUndefined();
    tracker.observe('prefill', []);
    expect(tracker.estimate('prefill')).toBeUndefined();
  });

  it('counts a pod once however many lists show it', () => {
    const tracker = new ColdStartTracker();
    expect(tracker.observe('prefill', [start(1, 100)])).toBe(1);
    expect(tracker.observe('prefill', [start(1, 100), start(2, 200)])).toBe(1);
    expect(tracker.observe('prefill', [start(1, 100), start(2, 200)])).toBe(0);
    expect(tracker.estimate('prefill')).toEqual({ coldStartS: 200, samples: 2 });
  });

  it('keeps the roles apart', () => {
    const tracker = new ColdStartTracker();
    tracker.observe('prefill', [start(1, 100)]);
    tracker.observe('decode', [start(1, 300)]);
    expect(tracker.estimate('prefill')?.coldStartS).toBe(100);
    expect(tracker.estimate('decode')?.coldStartS).toBe(300);
  });

  it.each([
    { what: 'one start', values: [42], p90: 42 },
    { what: 'ten starts: the 9th smallest', values: [10, 1, 9, 2, 8, 3, 7, 4, 6, 5], p90: 9 },
    { what: 'eleven starts: rank ceil(9.9) = 10', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], p90: 10 },
    { what: 'twenty starts: the 18th', values: Array.from({ length: 20 }, (_, i) => i + 1), p90: 18 },
  ])('estimates the p90 by nearest rank over $what', ({ values, p90 }) => {
    const tracker = new ColdStartTracker();
    tracker.observe(
      'decode',
      values.map((v, i) => start(i, v)),
    );
    expect(tracker.estimate('decode')).toEqual({ coldStartS: p90, samples: values.length });
  });

  it('keeps only the last 20 starts, in Ready order', () => {
    const tracker = new ColdStartTracker();
    // 20 slow starts, then 20 fast ones in one list given newest first: the slow ones all roll out.
    tracker.observe(
      'prefill',
      Array.from({ length: 20 }, (_, i) => start(i, 500)),
    );
    tracker.observe(
      'prefill',
      Array.from({ length: 20 }, (_, i) => start(59 - i, 100)),
    );
    expect(tracker.estimate('prefill')).toEqual({ coldStartS: 100, samples: 20 });
  });

  it('forgets pods no longer listed, so their uids cost nothing, and keeps their starts', () => {
    const tracker = new ColdStartTracker({ window: 3 });
    tracker.observe('prefill', [start(1, 10), start(2, 20)]);
    tracker.observe('prefill', [start(3, 30)]);
    expect(tracker.estimate('prefill')).toEqual({ coldStartS: 30, samples: 3 });
  });

  it('gives the median pull time of the starts that know it', () => {
    const tracker = new ColdStartTracker();
    tracker.observe('prefill', [start(1, 100, 4), start(2, 100), start(3, 100, 30), start(4, 100, 2)]);
    expect(tracker.estimate('prefill')).toEqual({ coldStartS: 100, samples: 4, pullS: 4 });
  });
});

describe('withColdStart', () => {
  it('sets coldStartS measured now, and leaves the observation alone without an estimate', () => {
    const observation = { readyReplicas: { value: 2, atMs: 5 } };
    expect(withColdStart(observation, { coldStartS: 240, samples: 3 }, 1000)).toEqual({
      ...observation,
      coldStartS: { value: 240, atMs: 1000 },
    });
    expect(withColdStart(observation, undefined, 1000)).toBe(observation);
  });
});
