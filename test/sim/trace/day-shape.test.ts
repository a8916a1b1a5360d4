// SPDX-License-Identifier: Apache-2.0
// dayShape: a day's rise and fall compressed into the output duration, at the rates it promises,
// replaying the source's requests in order, deterministically.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTrace } from '../../../src/sim/trace/load.js';
import { dayShape } from '../../../src/sim/trace/transforms.js';
import type { Trace } from '../../../src/sim/trace/types.js';
import { dataDir } from '../../helpers/spec.js';

let mooncake: Trace;
let azure: Trace;
beforeAll(async () => {
  mooncake = await loadTrace(join(dataDir, 'traces', 'mooncake_conversation_trace.jsonl'));
  azure = await loadTrace(join(dataDir, 'traces', 'AzureLLMInferenceTrace_code.csv'));
});

const hourS = 3600;

function traceOf(arrivalsMs: readonly number[]): Trace {
  const requests = arrivalsMs.map((arrivalMs) => ({ arrivalMs, inputTokens: 100, outputTokens: 10 }));
  return { name: 'steady', requests, durationS: (arrivalsMs.at(-1) ?? 0) / 1000, transforms: [] };
}

/** Requests per second between two hours of the compressed day. */
function rateBetween(trace: Trace, durationS: number, fromHour: number, toHour: number): number {
  const fromMs = (fromHour / 24) * durationS * 1000;
  const toMs = (toHour / 24) * durationS * 1000;
  const count = trace.requests.filter((r) => r.arrivalMs >= fromMs && r.arrivalMs < toMs).length;
  return count / (((toHour - fromHour) / 24) * durationS);
}

/** Request counts in ten equal windows of the output. */
function tenths(trace: Trace, durationS: number): number[] {
  const counts = Array.from({ length: 10 }, () => 0);
  for (const r of trace.requests) {
    const tenth = Math.min(9, Math.floor((r.arrivalMs / (durationS * 1000)) * 10));
    counts[tenth] = (counts[tenth] ?? 0) + 1;
  }
  return counts;
}

describe('dayShape', () => {
  it('rises and falls: with defaults the busiest tenth of the output has >= 3x the quietest', () => {
    const counts = tenths(dayShape(mooncake, { durationS: hourS, seed: 1 }), hourS);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(3 * Math.min(...counts));
    // The quietest tenth holds 04:00 (the trough), the busiest lies in 14:00-20:00 (the peak).
    expect(counts.indexOf(Math.min(...counts))).toBe(1);
    expect([5, 6, 7]).toContain(counts.indexOf(Math.max(...counts)));
  });

  it.each([
    { peakRateFactor: 1, peakToTrough: 4 },
    { peakRateFactor: 3, peakToTrough: 4 },
    { peakRateFactor: 0.5, peakToTrough: 2 },
  ])(
    'runs the peak hours at $peakRateFactor x the source mean rate and the trough at 1/$peakToTrough of that',
    ({ peakRateFactor, peakToTrough }) => {
      // A perfectly steady source (4 req/s), so that the rates show the warp and nothing else.
      const steady = traceOf(Array.from({ length: 14_400 }, (_, i) => i * 250));
      const shaped = dayShape(steady, { durationS: hourS, seed: 1, peakRateFactor, peakToTrough });
      const peak = peakRateFactor * 4;
      expect(rateBetween(shaped, hourS, 14, 20) / peak).toBeCloseTo(1, 2);
      // From 03:54 to 04:06 the curve is within a fraction of a percent of its minimum.
      expect(rateBetween(shaped, hourS, 3.9, 4.1) / (peak / peakToTrough)).toBeCloseTo(1, 2);
    },
  );

  it('spans the requested duration', () => {
    const shaped = dayShape(mooncake, { durationS: 2 * hourS, seed: 1 });
    expect(shaped.durationS).toBeLessThan(2 * hourS);
    expect(shaped.durationS).toBeGreaterThan(0.99 * 2 * hourS);
  });

  it('replays the source requests in order from the picked start, wrapping around', () => {
    const shaped = dayShape(mooncake, { durationS: 3 * hourS, seed: 5, peakRateFactor: 2 });
    const start = Number(shaped.transforms[0]?.params.start);
    const n = mooncake.requests.length;
    expect(shaped.requests.length).toBeGreaterThan(n);
    shaped.requests.forEach((r, i) => {
      const source = mooncake.requests[(start + i) % n];
      expect([r.inputTokens, r.outputTokens]).toEqual([source?.inputTokens, source?.outputTokens]);
    });
  });

  it('gives the same trace for the same seed and starts elsewhere for another seed', () => {
    expect(dayShape(azure, { durationS: hourS, seed: 3 })).toEqual(
      dayShape(azure, { durationS: hourS, seed: 3 }),
    );
    expect(dayShape(azure, { durationS: hourS, seed: 4 }).requests).not.toEqual(
      dayShape(azure, { durationS: hourS, seed: 3 }).requests,
    );
  });

  it('moves the trough to the hour asked for', () => {
    const shaped = dayShape(mooncake, { durationS: hourS, seed: 1, troughHour: 16 });
    expect(rateBetween(shaped, hourS, 15.5, 16.5)).toBeLessThan(rateBetween(shaped, hourS, 3.5, 4.5) / 2);
    expect(shaped.transforms[0]?.description).toMatch(/\(trough 16:00 x0\.25, peak 02:00-08:00 x1\)/);
  });

  it('describes the curve, the duration, the peak rate and where the replay starts', () => {
    expect(dayShape(mooncake, { durationS: hourS, seed: 1 }).transforms[0]?.description).toBe(
      'day shape: 24 h diurnal curve (trough 04:00 x0.25, peak 14:00-20:00 x1) compressed into 3600 s, ' +
        'peak at the source mean rate (3.401 req/s); source replayed in order from request 7544 (seed 1), 0.716 passes',
    );
  });

  it('follows a custom curve: flat but for a dip at 12:00', () => {
    const curve = Array.from({ length: 24 }, (_, hour) => (hour === 12 ? 0 : 1));
    const shaped = dayShape(mooncake, { durationS: hourS, seed: 1, curve, peakToTrough: 10 });
    expect(rateBetween(shaped, hourS, 11.8, 12.2)).toBeLessThan(rateBetween(shaped, hourS, 2, 10) / 5);
    expect(shaped.transforms[0]?.description).toMatch(
      /^day shape: custom 24 h curve \(trough 12:00 x0\.1, peak 13:00-11:00 x1\)/,
    );
  });

  it.each([
    { options: { durationS: 0, seed: 1 }, error: 'day shape duration must be > 0 s, got 0' },
    { options: { durationS: 60, seed: 1.5 }, error: 'seed must be an integer >= 0, got 1.5' },
    {
      options: { durationS: 60, seed: 1, peakToTrough: 0.5 },
      error: 'peak-to-trough ratio must be a number >= 1, got 0.5',
    },
    {
      options: { durationS: 60, seed: 1, troughHour: 24 },
      error: 'trough hour must be an integer 0-23, got 24',
    },
    {
      options: { durationS: 60, seed: 1, peakRateFactor: 0 },
      error: 'peak rate factor must be in (0, 100], got 0',
    },
    {
      options: { durationS: 60, seed: 1, curve: [1, 2, 3] },
      error: 'a day curve needs 24 hourly values >= 0, got 3 values',
    },
  ])('refuses $error', ({ options, error }) => {
    expect(() => dayShape(mooncake, options)).toThrow(error);
  });
});
