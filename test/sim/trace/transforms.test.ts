// SPDX-License-Identifier: Apache-2.0
// The rate, time, splice and slice transforms: what each does to the arrivals, what it records, and
// properties every transform keeps (sorted, non-negative arrivals; request sizes from the source).
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTrace } from '../../../src/sim/trace/load.js';
import { compressTime, dayShape, scaleRate, slice, splice } from '../../../src/sim/trace/transforms.js';
import type { Trace, TraceRequest } from '../../../src/sim/trace/types.js';
import { dataDir } from '../../helpers/spec.js';

let mooncake: Trace;
beforeAll(async () => {
  mooncake = await loadTrace(join(dataDir, 'traces', 'mooncake_conversation_trace.jsonl'));
});

/** A trace with one request per arrival time; request i has i + 1 input tokens. */
function traceOf(arrivalsMs: readonly number[], name = 'test'): Trace {
  const requests = arrivalsMs.map((arrivalMs, i) => ({ arrivalMs, inputTokens: i + 1, outputTokens: 10 }));
  return { name, requests, durationS: (arrivalsMs.at(-1) ?? 0) / 1000, transforms: [] };
}

/** The most requests that share one arrival time. */
function largestTie(trace: Trace): number {
  const counts = new Map<number, number>();
  for (const r of trace.requests) counts.set(r.arrivalMs, (counts.get(r.arrivalMs) ?? 0) + 1);
  return Math.max(...counts.values());
}

const sizes = (requests: readonly TraceRequest[]): string[] =>
  requests.map((r) => `${r.inputTokens}/${r.outputTokens}`).sort();

describe('scaleRate', () => {
  it.each([
    { factor: 10, low: 10, high: 10 },
    { factor: 2.5, low: 2.45, high: 2.55 },
    { factor: 0.5, low: 0.48, high: 0.52 },
  ])('x$factor on Mooncake gives $factor times the requests', ({ factor, low, high }) => {
    const ratio = scaleRate(mooncake, factor, 1).requests.length / mooncake.requests.length;
    expect(ratio).toBeGreaterThanOrEqual(low);
    expect(ratio).toBeLessThanOrEqual(high);
  });

  it('gives the same trace for the same seed and a different one for another seed', () => {
    expect(scaleRate(mooncake, 2.5, 7)).toEqual(scaleRate(mooncake, 2.5, 7));
    expect(scaleRate(mooncake, 2.5, 8).requests).not.toEqual(scaleRate(mooncake, 2.5, 7).requests);
  });

  it('spreads the copies, so stacking 10 copies of the 3 s ticks makes no bigger tie than the source', () => {
    const scaled = scaleRate(mooncake, 10, 1);
    expect(largestTie(scaled)).toBeLessThanOrEqual(largestTie(mooncake));
  });

  it('offsets each copy by less than the median gap between distinct arrival times', () => {
    // Distinct times 0, 1000, 3000: gaps 1000 and 2000, median 1500.
    const scaled = scaleRate(traceOf([0, 1000, 3000]), 5, 3);
    for (const [i, source] of [0, 1000, 3000].entries()) {
      const copies = scaled.requests.filter((r) => r.inputTokens === i + 1).map((r) => r.arrivalMs - source);
      expect(copies).toHaveLength(5);
      expect(copies).toContain(0);
      for (const offset of copies) expect(offset).toBeGreaterThanOrEqual(0);
      for (const offset of copies) expect(offset).toBeLessThan(1500);
    }
  });

  it('records the factor, the seed and the method', () => {
    expect(scaleRate(mooncake, 10, 1).transforms).toEqual([
      {
        kind: 'scale',
        params: { factor: 10, seed: 1 },
        description:
          'rate x10 (seed 1: 10 copies of each request, copies after the first offset within 3 s, the median gap)',
      },
    ]);
    expect(scaleRate(mooncake, 0.5, 2).transforms[0]?.description).toBe(
      'rate x0.5 (seed 2: each request kept with probability 0.5)',
    );
  });

  it.each([0, -1, 100.5, Number.NaN])('refuses factor %s', (factor) => {
    expect(() => scaleRate(mooncake, factor, 1)).toThrow(`rate factor must be in (0, 100], got ${factor}`);
  });

  it('refuses to thin a trace down to nothing', () => {
    expect(() => scaleRate(traceOf([0]), 0.001, 1)).toThrow(/no requests are left/);
  });
});

describe('compressTime', () => {
  it('divides every arrival and the duration by the factor', () => {
    const compressed = compressTime(traceOf([0, 1000, 4000]), 4);
    expect(compressed.requests.map((r) => r.arrivalMs)).toEqual([0, 250, 1000]);
    expect(compressed.durationS).toBe(1);
    expect(compressed.transforms[0]?.description).toBe(
      'time compressed x4 (arrival times divided by 4: 4 s become 1 s, rate x4)',
    );
  });

  it('refuses a factor that is not > 0', () => {
    expect(() => compressTime(mooncake, 0)).toThrow('time compression factor must be a number > 0, got 0');
  });
});

describe('splice', () => {
  it("starts each trace one mean gap after the previous trace's last arrival", () => {
    // First trace: 3 requests over 2 s, mean gap 1 s, so the second starts at 3 s.
    const spliced = splice([traceOf([0, 500, 2000], 'a'), traceOf([0, 100], 'b')]);
    expect(spliced.requests.map((r) => r.arrivalMs)).toEqual([0, 500, 2000, 3000, 3100]);
    expect(spliced.name).toBe('a + b');
    expect(spliced.durationS).toBe(3.1);
  });

  it('takes an explicit gap', () => {
    const spliced = splice([traceOf([0, 2000], 'a'), traceOf([0], 'b')], { gapS: 0.5 });
    expect(spliced.requests.map((r) => r.arrivalMs)).toEqual([0, 2000, 2500]);
  });

  it("keeps the first trace's records and states the others' in its description", () => {
    const a = compressTime(traceOf([0, 2000], 'a'), 2);
    const b = compressTime(traceOf([0, 2000], 'b'), 4);
    const spliced = splice([a, b]);
    expect(spliced.transforms.map((t) => t.kind)).toEqual(['compress', 'splice']);
    expect(spliced.transforms[1]).toEqual({
      kind: 'splice',
      params: { traces: 'a + b', gap: 'mean gap' },
      description:
        'spliced back to back: a (2 requests, 1 s), then b (2 requests, 0.5 s; time compressed x4 (arrival ' +
        "times divided by 4: 2 s become 0.5 s, rate x4)); each starts one mean gap after the previous one's last arrival",
    });
  });

  it('doubles Mooncake by playing it twice', () => {
    const twice = splice([mooncake, mooncake]);
    expect(twice.requests).toHaveLength(2 * mooncake.requests.length);
    expect(twice.durationS).toBeCloseTo(2 * mooncake.durationS + mooncake.durationS / 12_030, 6);
  });
});

describe('slice', () => {
  it('keeps the arrivals in [from, to) and re-bases them to the slice start', () => {
    const sliced = slice(traceOf([0, 1000, 2000, 3000, 4000]), 1, 3);
    expect(sliced.requests.map((r) => [r.arrivalMs, r.inputTokens])).toEqual([
      [0, 2],
      [1000, 3],
    ]);
    expect(sliced.transforms[0]?.description).toBe(
      'slice 1-3 s, re-based to start at 0 (2 of 5 requests; the trace spans 0-4 s)',
    );
  });

  it('refuses a slice past the end of the trace', () => {
    expect(() => slice(traceOf([0, 1000]), 5, 10)).toThrow(
      'slice 5-10 s, re-based to start at 0 (0 of 2 requests; the trace spans 0-1 s): no requests are left',
    );
  });
});

describe('every transform keeps arrivals sorted and non-negative, and takes sizes from the source', () => {
  const traces = fc
    .array(
      fc.tuple(
        fc.integer({ min: 0, max: 600_000 }),
        fc.integer({ min: 0, max: 50_000 }),
        fc.integer({ min: 1, max: 2_000 }),
      ),
      {
        minLength: 2,
        maxLength: 60,
      },
    )
    .map((rows): Trace => {
      const requests = rows
        .map(([arrivalMs, inputTokens, outputTokens]) => ({ arrivalMs, inputTokens, outputTokens }))
        .sort((a, b) => a.arrivalMs - b.arrivalMs);
      const startMs = requests[0]?.arrivalMs ?? 0;
      const rebased = requests.map((r) => ({ ...r, arrivalMs: r.arrivalMs - startMs }));
      return {
        name: 'gen',
        requests: rebased,
        durationS: (rebased.at(-1)?.arrivalMs ?? 0) / 1000,
        transforms: [],
      };
    })
    .filter((trace) => trace.durationS > 0);

  const transforms: fc.Arbitrary<{ name: string; apply: (t: Trace) => Trace }> = fc.oneof(
    fc.tuple(fc.double({ min: 1, max: 20, noNaN: true }), fc.nat(1000)).map(([factor, seed]) => ({
      name: `scale ${factor} ${seed}`,
      apply: (t: Trace) => scaleRate(t, factor, seed),
    })),
    fc
      .double({ min: 0.1, max: 50, noNaN: true })
      .map((factor) => ({ name: `compress ${factor}`, apply: (t: Trace) => compressTime(t, factor) })),
    fc.constant({ name: 'splice', apply: (t: Trace) => splice([t, t]) }),
    fc.constant({ name: 'slice', apply: (t: Trace) => slice(t, 0, t.durationS + 1) }),
    fc
      .tuple(fc.integer({ min: 60, max: 7200 }), fc.nat(1000), fc.double({ min: 0.5, max: 5, noNaN: true }))
      .map(([durationS, seed, peakRateFactor]) => ({
        name: `day ${durationS} ${seed} ${peakRateFactor}`,
        apply: (t: Trace) => dayShape(t, { durationS, seed, peakRateFactor }),
      })),
  );

  it('for generated traces and parameters', () => {
    fc.assert(
      fc.property(traces, transforms, (trace, transform) => {
        const result = transform.apply(trace);
        const arrivals = result.requests.map((r) => r.arrivalMs);
        expect(arrivals.every((t, i) => t >= 0 && t >= (arrivals[i - 1] ?? 0))).toBe(true);
        expect(result.durationS).toBe((arrivals.at(-1) ?? Number.NaN) / 1000);
        expect(result.transforms).toHaveLength(trace.transforms.length + 1);
        const sourceSizes = new Set(sizes(trace.requests));
        expect(sizes(result.requests).every((s) => sourceSizes.has(s))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('compressTime keeps the token counts as a multiset', () => {
    fc.assert(
      fc.property(traces, fc.double({ min: 0.01, max: 100, noNaN: true }), (trace, factor) => {
        expect(sizes(compressTime(trace, factor).requests)).toEqual(sizes(trace.requests));
      }),
    );
  });
});
