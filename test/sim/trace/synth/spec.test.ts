// SPDX-License-Identifier: Apache-2.0
// `synth:FAMILY?seed=N&rate=R&duration=D&lengths=MIX`, the synthetic source a suite case or
// `backtest --trace` names: defaults from the family, every bad value refused with what it must be.
import { describe, expect, it } from 'vitest';
import { readTransformedTrace } from '../../../../src/sim/trace/transform-spec.js';
import { isSynthSource, parseSynthSource, synthSourceOf } from '../../../../src/sim/trace/synth/spec.js';

describe('parseSynthSource', () => {
  it('fills every option it is not given from the family', () => {
    const parsed = parseSynthSource('synth:mmpp');
    expect(parsed.ok && synthSourceOf(parsed.spec)).toBe(
      'synth:mmpp?seed=1&rate=20&duration=1800s&lengths=long-context',
    );
  });

  it('reads every option', () => {
    const parsed = parseSynthSource('synth:heavy-tail?seed=9&rate=2.5&duration=1h&lengths=code');
    expect(parsed.ok && synthSourceOf(parsed.spec)).toBe(
      'synth:heavy-tail?seed=9&rate=2.5&duration=3600s&lengths=code',
    );
  });

  it.each([
    [
      'synth:flash',
      'unknown family "flash" (known: mmpp, flash-crowd, fast-day, diurnal-noise, heavy-tail, prompt-shift)',
    ],
    ['synth:mmpp?seed=-1', 'seed must be an integer >= 0, got "-1"'],
    ['synth:mmpp?rate=0', 'rate must be requests per second > 0 and <= 10000, got "0"'],
    ['synth:mmpp?rate=fast', 'rate must be requests per second > 0 and <= 10000, got "fast"'],
    ['synth:mmpp?duration=5m', 'duration of mmpp must be a duration from 600s to 14400s like 30m, got "5m"'],
    [
      'synth:fast-day?duration=1h',
      'duration of fast-day must be a duration from 900s to 1200s like 18m, got "1h"',
    ],
    [
      'synth:diurnal-noise?rate=100&duration=24h',
      'rate x duration must be at most 5000000 requests (the trace is held in memory), got 100 req/s over 86400 s',
    ],
    ['synth:mmpp?lengths=huge', 'lengths must be one of code, conversation, long-context, got "huge"'],
    ['synth:mmpp?burst=2', 'unknown option "burst=2"; takes seed=, rate=, duration=, lengths='],
    ['synth:mmpp?seed', 'unknown option "seed"; takes seed=, rate=, duration=, lengths='],
    ['synth:mmpp?seed=1&seed=2', 'option seed is given twice'],
  ])('refuses %s', (source, message) => {
    expect(parseSynthSource(source)).toEqual({ ok: false, message });
  });

  it('tells a synthetic source from a file name', () => {
    expect([isSynthSource('synth:mmpp'), isSynthSource('traces/synth.jsonl')]).toEqual([true, false]);
  });
});

describe('a synthetic source where a trace file goes', () => {
  it('is generated and transformed like a file', async () => {
    const read = await readTransformedTrace('synth:mmpp?rate=4&duration=10m', [
      { kind: 'slice', fromS: 0, toS: 300 },
    ]);
    expect(read.ok && read.trace.transforms.map((t) => t.kind)).toEqual(['synth', 'slice']);
  });

  it('is refused with the source and the reason', async () => {
    expect(await readTransformedTrace('synth:mmpp?rate=0', [])).toEqual({
      ok: false,
      message: 'synth:mmpp?rate=0: rate must be requests per second > 0 and <= 10000, got "0"',
    });
  });
});
