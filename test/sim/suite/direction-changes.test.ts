// SPDX-License-Identifier: Apache-2.0
// Flapping per role per 10 minutes (a suite target), from a timeline's desired replicas.
import { describe, expect, it } from 'vitest';
import {
  directionChangeTimes,
  maxDirectionChangesPerWindow,
  mostInWindow,
} from '../../../src/sim/suite/direction-changes.js';

const every15s = (n: number): number[] => Array.from({ length: n }, (_, i) => i * 15);

describe('directionChangeTimes', () => {
  it.each([
    ['a steady count', [3, 3, 3, 3], []],
    ['a ramp up, however long', [1, 2, 4, 8, 9], []],
    ['up then down: one change, at the first step down', [2, 4, 4, 3, 2], [45]],
    ['up, down, up: two changes', [2, 4, 3, 3, 5], [30, 60]],
    ['holds between moves do not reset the direction', [5, 4, 4, 4, 3, 4], [75]],
  ])('finds %s', (_name, desired, expected) => {
    expect(directionChangeTimes(every15s(desired.length), desired)).toEqual(expected);
  });
});

describe('mostInWindow', () => {
  it.each([
    ['no changes', [], 0],
    ['changes 10 minutes apart: one per window', [0, 600, 1200], 1],
    ['two within 10 minutes', [0, 599], 2],
    ['the densest stretch', [0, 900, 1000, 1100, 2000], 3],
  ])('counts %s', (_name, times, expected) => {
    expect(mostInWindow(times, 600)).toBe(expected);
  });
});

describe('maxDirectionChangesPerWindow', () => {
  it('reports each role on its own', () => {
    const desired = { prefill: [2, 4, 3, 5, 5, 5], decode: [1, 1, 2, 2, 2, 2] };
    const timeline = {
      tS: every15s(6),
      replicas: {
        prefill: { desired: desired.prefill, ready: desired.prefill },
        decode: { desired: desired.decode, ready: desired.decode },
      },
    };
    expect(maxDirectionChangesPerWindow(timeline)).toEqual({ prefill: 2, decode: 0 });
  });
});
