// SPDX-License-Identifier: Apache-2.0
// The compact histogram form (bounds shared per layout, counts as a number array) and the page reader's
// fast paths give exactly what the plain `{ le, count }` maths gives: checked against reference
// implementations of that maths over generated pages and histograms.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeHistograms } from '../../../src/sources/engines/aggregate.js';
import {
  compactHistogram,
  Histogram,
  PackedHistograms,
  sharedBounds,
} from '../../../src/sources/engines/histogram.js';
import {
  HistogramNames,
  type CumulativeHistogram,
  type HistogramBucket,
} from '../../../src/sources/engines/pod-sample.js';
import { PageReader } from '../../../src/sources/engines/series.js';
import { fromPage as vllmFromPage, vllmSpec } from '../../../src/sources/engines/vllm.js';
import { histogramIncrease, windowPod } from '../../../src/sources/engines/window.js';
import { histogramLines, labelText, parse, sampleOf, vllmPage, type VllmState } from './pages.js';

const numRuns = Number(process.env.PROPERTY_RUNS ?? 200);
const t0 = 1_700_000_000_000;

const state: VllmState = {
  success: 10,
  prompt: 1_000,
  generation: 500,
  waiting: 1,
  running: 2,
  kv: 0.5,
  ttft: [1, 4, 9, 10],
  ttftSum: 3,
  isl: { count: 10, sum: 1_000 },
};

describe('Histogram', () => {
  it('reads as the plain shape: buckets, toJSON and JSON text', () => {
    const h = sampleOf(vllmFromPage(vllmPage(state), { scrapedAtMs: t0 })).histograms.ttftSeconds;
    const plain = {
      buckets: [
        { le: 0.1, count: 1 },
        { le: 0.5, count: 4 },
        { le: 1, count: 9 },
        { le: Infinity, count: 10 },
      ],
      count: 10,
      sum: 3,
    };
    expect(h).toBeInstanceOf(Histogram);
    expect(h?.buckets).toStrictEqual(plain.buckets);
    expect(h?.toJSON()).toStrictEqual(plain);
    expect(JSON.parse(JSON.stringify({ h }))).toStrictEqual({
      h: { ...plain, buckets: [...plain.buckets.slice(0, 3), { le: null, count: 10 }] },
    });
    expect(compactHistogram(plain).toJSON()).toStrictEqual(plain);
    if (h !== undefined) expect(compactHistogram(h)).toBe(h);
  });

  it('shares one frozen bounds array per layout across pods, scrapes and windows', () => {
    const a = sampleOf(vllmFromPage(vllmPage(state), { scrapedAtMs: t0 }));
    const b = sampleOf(vllmFromPage(vllmPage({ ...state, success: 20 }), { scrapedAtMs: t0 + 15_000 }));
    const bounds = a.histograms.ttftSeconds?.bounds;
    expect(bounds).toStrictEqual([0.1, 0.5, 1, Infinity]);
    expect(Object.isFrozen(bounds)).toBe(true);
    expect(b.histograms.ttftSeconds?.bounds).toBe(bounds);
    expect(windowPod(a, b).deltas.ttftSeconds?.bounds).toBe(bounds);
    expect(sharedBounds([0.1, 0.5, 1, Infinity])).toBe(bounds);
    expect(sharedBounds([0.1, 0.5, 2, Infinity])).not.toBe(bounds);
    const withNaN = [1, NaN];
    expect(sharedBounds(withNaN)).toBe(withNaN); // never equal to itself in a window: not shared
  });
});

/** `sum by (le)` over bucket series in page order, as the reader did with a Map before. */
function referenceBuckets(series: readonly { le: number; count: number }[]): HistogramBucket[] {
  const byLe = new Map<number, number>();
  for (const s of series) byLe.set(s.le, (byLe.get(s.le) ?? 0) + s.count);
  return [...byLe].map(([le, count]) => ({ le, count })).sort((x, y) => x.le - y.le);
}

const boundPool = [0.001, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 10, 100];
const layoutArb = fc
  .uniqueArray(fc.constantFrom(...boundPool), { minLength: 1, maxLength: 6 })
  .map((bounds) => [...bounds].sort((x, y) => x - y));

describe('PageReader reads histograms as sum by (le)', () => {
  it('for one or several engines, with bucket lines in any order', () => {
    fc.assert(
      fc.property(
        layoutArb,
        fc.array(fc.array(fc.nat(1_000), { minLength: 7, maxLength: 7 }), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.nat(),
        (bounds, engines, shuffle, seed) => {
          const series: { le: number; count: number; line: string }[] = [];
          const lines: string[] = [];
          engines.forEach((increments, engine) => {
            const counts: number[] = [];
            let running = 0;
            for (let i = 0; i <= bounds.length; i++) counts.push((running += increments[i] ?? 0));
            const l = { engine: String(engine), model_name: 'm' };
            const text = histogramLines('vllm:time_to_first_token_seconds', l, bounds, {
              counts,
              sum: running / 2,
            });
            text.forEach((line, i) => {
              if (i < counts.length) series.push({ le: bounds[i] ?? Infinity, count: counts[i] ?? 0, line });
              else lines.push(line);
            });
          });
          if (shuffle) series.sort((x, y) => ((x.count * 7919 + seed) % 13) - ((y.count * 7919 + seed) % 13));
          const page = parse([...series.map((s) => s.line), ...lines].join('\n') + '\n');
          const h = sampleOf(vllmFromPage(page, { scrapedAtMs: t0 })).histograms.ttftSeconds;
          expect(h?.buckets).toStrictEqual(referenceBuckets(series));
        },
      ),
      { numRuns },
    );
  });

  it('finds a name the spec does not list by a scan, in page order across families', () => {
    const page = parse(
      [
        '# TYPE vllm:iteration_tokens_total histogram',
        `vllm:iteration_tokens_total_count${labelText({ engine: '0' })} 3`,
        '# TYPE vllm:num_requests_running gauge',
        `vllm:num_requests_running${labelText({ engine: '0' })} 1`,
        `vllm:iteration_tokens_total_count${labelText({ engine: '1' })} 4`,
      ].join('\n') + '\n',
    );
    const reader = new PageReader(page, vllmSpec, undefined);
    expect(reader.hasEngineSamples()).toBe(true);
    expect(reader.names()).toStrictEqual(['vllm:num_requests_running']);
    expect(reader.select('vllm:iteration_tokens_total_count').map((s) => s.value)).toStrictEqual([3, 4]);
    expect(reader.select('other:metric')).toStrictEqual([]);
    // A page with only names the adapter does not read still is a vLLM page (as before).
    const only = parse(`vllm:iteration_tokens_total_count${labelText({ engine: '0' })} 3\n`);
    expect(new PageReader(only, vllmSpec, undefined).hasEngineSamples()).toBe(true);
  });
});

/** The merge of plain histograms before the compact form (aggregate.ts at 3fdc1e6). */
function referenceMerge(histograms: readonly CumulativeHistogram[]): CumulativeHistogram {
  const atOrBelow = (buckets: readonly HistogramBucket[], le: number): number => {
    let count = 0;
    for (const bucket of buckets) {
      if (bucket.le > le) break;
      count = bucket.count;
    }
    return count;
  };
  const bounds = [...new Set(histograms.flatMap((h) => h.buckets.map((b) => b.le)))].sort((a, b) => a - b);
  return {
    buckets: bounds.map((le) => ({
      le,
      count: histograms.reduce((total, h) => total + atOrBelow(h.buckets, le), 0),
    })),
    count: histograms.reduce((total, h) => total + h.count, 0),
    sum: histograms.reduce((total, h) => total + h.sum, 0),
  };
}

const histogramOn = (bounds: readonly number[]) =>
  fc
    .array(fc.double({ min: 0, max: 1e6, noNaN: true }), {
      minLength: bounds.length + 2,
      maxLength: bounds.length + 2,
    })
    .map((values): CumulativeHistogram => {
      let running = 0;
      const buckets = [...bounds, Infinity].map((le, i) => ({ le, count: (running += values[i] ?? 0) }));
      return { buckets, count: running, sum: values[bounds.length + 1] ?? 0 };
    });

describe('mergeHistograms and histogramIncrease on the compact form', () => {
  it('merge exactly as the plain maths, on one shared layout or on several', () => {
    fc.assert(
      fc.property(
        fc.array(layoutArb.chain(histogramOn), { minLength: 1, maxLength: 5 }),
        layoutArb.chain((bounds) => fc.array(histogramOn(bounds), { minLength: 1, maxLength: 5 })),
        // Callers may pass any buckets: bounds out of order or repeated, shared by every histogram.
        fc
          .array(fc.constantFrom(...boundPool), { minLength: 1, maxLength: 5 })
          .chain((bounds) => fc.array(histogramOn(bounds), { minLength: 1, maxLength: 3 })),
        (mixed, shared, unordered) => {
          for (const set of [mixed, shared, unordered]) {
            expect(mergeHistograms(set).toJSON()).toStrictEqual(referenceMerge(set));
            expect(mergeHistograms(set.map(compactHistogram)).toJSON()).toStrictEqual(referenceMerge(set));
          }
        },
      ),
      { numRuns },
    );
  });

  it('takes bucket deltas, or the current histogram after a reset or a layout change', () => {
    /** Same layout, grown by `more` (a negative count somewhere is a reset), or another histogram. */
    const pairs = fc.oneof(
      layoutArb.chain((bounds) =>
        fc.tuple(histogramOn(bounds), histogramOn(bounds), fc.boolean()).map(([x, more, shrink]) => {
          const y: CumulativeHistogram = {
            buckets: x.buckets.map((b, i) => ({
              le: b.le,
              count: b.count + (more.buckets[i]?.count ?? 0) * (shrink && i === 0 ? -1 : 1),
            })),
            count: x.count + more.count,
            sum: x.sum + more.sum,
          };
          return [x, y] as const;
        }),
      ),
      fc.tuple(layoutArb.chain(histogramOn), layoutArb.chain(histogramOn)),
    );
    fc.assert(
      fc.property(pairs, ([x, y]) => {
        const before = compactHistogram(x);
        const reset =
          y.count < x.count ||
          y.buckets.length !== x.buckets.length ||
          y.buckets.some((b, i) => {
            const a = x.buckets[i];
            return a === undefined || a.le !== b.le || b.count < a.count;
          });
        for (const after of [compactHistogram(y), y]) {
          const increase = histogramIncrease(before, after);
          if (reset) expect(increase).toBe(after);
          else
            expect(compactHistogram(increase).toJSON()).toStrictEqual({
              buckets: y.buckets.map((b, i) => ({ le: b.le, count: b.count - (x.buckets[i]?.count ?? 0) })),
              count: y.count - x.count,
              sum: y.sum - x.sum,
            });
        }
      }),
      { numRuns },
    );
  });
});

describe('windowPod without per-pod latency summaries', () => {
  it('is the full window minus ttftMs, tpotMs, e2eMs and queueTimeMs', () => {
    const before = sampleOf(vllmFromPage(vllmPage(state), { scrapedAtMs: t0 }));
    const after = sampleOf(
      vllmFromPage(vllmPage({ ...state, success: 40, ttft: [11, 30, 39, 40], ttftSum: 9 }), {
        scrapedAtMs: t0 + 15_000,
      }),
    );
    const full = windowPod(before, after);
    const slim = windowPod(before, after, { latencySummaries: false });
    expect(full.ttftMs?.count).toBe(30);
    const { ttftMs: _t, tpotMs: _p, e2eMs: _e, queueTimeMs: _q, ...rest } = full;
    expect(slim).toStrictEqual(rest);
  });
});

describe('PackedHistograms', () => {
  const names = HistogramNames;

  it('gives back the same histograms: bounds arrays, counts, count and sum, in the same order', () => {
    fc.assert(
      fc.property(fc.array(layoutArb.chain(histogramOn), { maxLength: 6 }), (plain) => {
        const histograms: Partial<Record<(typeof names)[number], Histogram>> = {};
        plain.forEach((h, i) => {
          const name = names[(i + plain.length) % names.length];
          if (name !== undefined) histograms[name] = compactHistogram(h);
        });
        const unpacked = PackedHistograms.pack(histograms).unpack();
        expect(Object.keys(unpacked)).toStrictEqual(Object.keys(histograms));
        for (const name of names) {
          expect(unpacked[name]?.toJSON()).toStrictEqual(histograms[name]?.toJSON());
          expect(unpacked[name]?.bounds).toBe(histograms[name]?.bounds);
        }
      }),
      { numRuns },
    );
  });

  it('packs a sample or window without histograms', () => {
    expect(PackedHistograms.pack({}).unpack()).toStrictEqual({});
  });
});
