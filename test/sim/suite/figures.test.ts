// SPDX-License-Identifier: Apache-2.0
// The suite's figures, written the same in every output.
import { describe, expect, it } from 'vitest';
import { percent, perGpuHour, pp, spanOfTime, times } from '../../../src/sim/suite/figures.js';

describe('suite figures', () => {
  it.each([
    [percent(0.98594), '98.59%'],
    [times(1.1234), '1.12x'],
    [times(NaN), '-'],
    [perGpuHour(2403.4), '2,403'],
    [pp(0.0123), '1.23 pp'],
    [pp(-0.004), '-0.40 pp'],
    [pp(NaN), '-'],
    [spanOfTime(42.4), '42 s'],
    [spanOfTime(432.1), '7 min 12 s (432 s)'],
  ])('writes %j', (text, expected) => {
    expect(text).toBe(expected);
  });
});
