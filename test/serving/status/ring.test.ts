// SPDX-License-Identifier: Apache-2.0
// The ring under the history: bounded, oldest first, O(1) per push.
import { describe, expect, it } from 'vitest';
import { Ring } from '../../../src/serving/status/ring.js';

describe('Ring', () => {
  it('overwrites the oldest item once full and lists oldest first', () => {
    const ring = new Ring<number>(3);
    for (const n of [1, 2, 3, 4, 5]) ring.push(n);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.length).toBe(3);
    expect(ring.last()).toBe(5);
  });

  it('drops from the oldest end while the predicate holds, then stops', () => {
    const ring = new Ring<number>(4);
    for (const n of [1, 2, 3, 4, 5, 6]) ring.push(n);
    ring.dropOldestWhile((n) => n < 5 || n === 6);
    expect(ring.toArray()).toEqual([5, 6]);
    ring.push(7);
    ring.push(8);
    ring.push(9);
    expect(ring.toArray()).toEqual([6, 7, 8, 9]);
  });

  it('replaces the newest item in place, or pushes into an empty ring', () => {
    const ring = new Ring<string>(2);
    ring.replaceLast('a');
    ring.push('b');
    ring.push('c');
    ring.replaceLast('C');
    expect(ring.toArray()).toEqual(['b', 'C']);
  });

  it('rejects a capacity below one', () => {
    expect(() => new Ring(0)).toThrow(RangeError);
  });
});
