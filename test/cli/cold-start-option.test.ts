// SPDX-License-Identifier: Apache-2.0
// `pdscaler backtest --cold-start`: one duration for both roles or one per role (cold start per
// role is a simulator parameter).
import { describe, expect, it } from 'vitest';
import { parseColdStart } from '../../src/cli/backtest.js';

describe('--cold-start', () => {
  it.each([
    ['120s', { prefill: 120, decode: 120 }],
    ['90', { prefill: 90, decode: 90 }],
    ['prefill=60s,decode=3m', { prefill: 60, decode: 180 }],
    ['decode=5m', { decode: 300 }],
    [' prefill=1m30s , decode=0s ', { prefill: 90, decode: 0 }],
  ])('reads %j as %j seconds', (text, value) => {
    expect(parseColdStart(text)).toEqual({ ok: true, value });
  });

  it.each(['soon', 'prefill=soon', 'router=60s', '2h', 'prefill=60s,decode', '-5s'])(
    'refuses %j, saying what is accepted',
    (text) => {
      const parsed = parseColdStart(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message).toContain('per role: prefill=60s,decode=3m');
    },
  );

  it('leaves the default when not given', () => {
    expect(parseColdStart(undefined)).toEqual({ ok: true, value: undefined });
  });
});
