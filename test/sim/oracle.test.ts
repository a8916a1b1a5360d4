// SPDX-License-Identifier: Apache-2.0
// The clairvoyant oracle of docs/reference.md §G.2: per 60 s interval the fewest replicas
// that keep 99% of that interval's requests within the SLO; replicas requested one cold start ahead;
// a dip shorter than a cold start filled. Loads here use 8,000-token prompts, which one H200 prefill
// replica handles at ~48k tokens/s (6 per second), so needs move between 0 and a few replicas.
import { describe, expect, it } from 'vitest';
import { Roles } from '../../src/decision/types.js';
import { oracleIntervalS, planOracle, type OracleSettings } from '../../src/sim/oracle.js';
import type { TraceRequest } from '../../src/sim/trace/types.js';
import { evenlyPaced, h200, kvTransfer, modelName } from './helpers.js';

function settings(overrides: Partial<Omit<OracleSettings, 'fleet'>> = {}): OracleSettings {
  return {
    fleet: { profile: h200, prefillBatchTokens: 8192, kvTransfer, modelName },
    slo: { ttftMs: 1000, tpotMs: 30 },
    coldStartS: { prefill: 90, decode: 90 },
    floor: { prefill: 0, decode: 0 },
    ...overrides,
  };
}

/** Evenly paced 8,000-token prompts at `ratePerS[i]` during interval i (0 = no requests). */
function intervals(ratePerS: readonly number[]): TraceRequest[] {
  return ratePerS.flatMap((rate, i) =>
    rate === 0
      ? []
      : evenlyPaced({
          ratePerS: rate,
          durationS: oracleIntervalS,
          fromS: i * oracleIntervalS,
          inputTokens: [8000],
          outputTokens: 100,
        }),
  );
}

describe('planOracle', () => {
  it('needs no replicas in intervals without requests, while replicasAt never goes under the floor', () => {
    const floor = { prefill: 2, decode: 1 };
    const plan = planOracle(
      intervals([4, 0, 0, 4]),
      4 * oracleIntervalS,
      settings({ floor, coldStartS: { prefill: 30, decode: 30 } }),
    );
    for (const role of Roles) {
      expect(plan.needs[role][1]).toBe(0);
      expect(plan.needs[role][2]).toBe(0);
      expect(plan.needs[role][0]).toBeGreaterThan(0);
    }
    // [65 s, 95 s] lies inside the empty intervals.
    expect(plan.replicasAt(65)).toEqual(floor);
    for (let t = 0; t < 4 * oracleIntervalS; t += 15) {
      expect(plan.replicasAt(t).prefill).toBeGreaterThanOrEqual(floor.prefill);
      expect(plan.replicasAt(t).decode).toBeGreaterThanOrEqual(floor.decode);
    }
  });

  it('needs at least as many replicas in every interval of a trace twice as dense', () => {
    const rates = [2, 4, 8];
    const light = planOracle(intervals(rates), 3 * oracleIntervalS, settings());
    const heavy = planOracle(intervals(rates.map((r) => 2 * r)), 3 * oracleIntervalS, settings());
    for (const role of Roles) {
      light.needs[role].forEach((need, i) => {
        expect(heavy.needs[role][i]).toBeGreaterThanOrEqual(need);
      });
    }
    // And load shows up at all: the densest prefill interval (96k tokens/s) needs more than one.
    expect(heavy.needs.prefill[2]).toBeGreaterThan(light.needs.prefill[0]!);
    expect(heavy.peak.prefill).toBeGreaterThanOrEqual(2);
  });

  it('replicasAt(t) is the largest need over [t, t + cold start]: a one-interval dip is filled, a long one is not', () => {
    // Load in intervals 0, 2 and 6; a 60 s dip (interval 1) and a 180 s dip (intervals 3-5); 90 s
    // cold start, so a replica is asked for 90 s before the interval that needs it.
    const plan = planOracle(intervals([4, 0, 4, 0, 0, 0, 4]), 7 * oracleIntervalS, settings());
    const needs = plan.needs.prefill;
    const high = needs[0]!;
    expect(high).toBeGreaterThan(0);
    expect(needs).toEqual([high, 0, needs[2], 0, 0, 0, needs[6]]);
    for (let t = 0; t < 7 * oracleIntervalS; t += 15) {
      const first = Math.floor(t / oracleIntervalS);
      const last = Math.min(needs.length - 1, Math.floor((t + 90) / oracleIntervalS));
      expect(plan.replicasAt(t).prefill).toBe(Math.max(...needs.slice(first, last + 1)));
    }
    expect(plan.replicasAt(60).prefill).toBeGreaterThan(0); // the short dip is filled
    expect(plan.replicasAt(200).prefill).toBe(0); // [200, 290] is all dip
    expect(plan.replicasAt(280).prefill).toBe(needs[6]); // 90 s ahead of interval 6 (360 s)
  });

  it('keeps needs small when no replica count can meet the TTFT SLO', () => {
    // 16,000-token prompts take 367 ms to prefill unloaded plus 42 ms of KV transfer: over a 200 ms
    // TTFT SLO however many replicas there are. 4 per second for two intervals (480 requests): a
    // search for 99% of them would double its way up to one replica per request.
    const trace = [0, 1].flatMap((i) =>
      evenlyPaced({ ratePerS: 4, durationS: 60, fromS: i * 60, inputTokens: [16_000], outputTokens: 100 }),
    );
    const plan = planOracle(trace, 2 * oracleIntervalS, settings({ slo: { ttftMs: 200, tpotMs: 30 } }));
    for (const role of Roles) for (const need of plan.needs[role]) expect(need).toBeLessThanOrEqual(2);
  });

  it('sizes for the attainable requests when only some prompts are too long for the TTFT SLO', () => {
    // 12 per second, alternating 1,000 tokens (41 ms unloaded) and 16,000 tokens (over 200 ms on any
    // fleet). The long ones still occupy prefill replicas (96k tokens/s, ~2 replicas' worth), so the
    // short ones need ~3 replicas to avoid queueing behind them; a search chasing the long ones would
    // end at one replica per request (1,440).
    const trace = [0, 1].flatMap((i) =>
      evenlyPaced({
        ratePerS: 12,
        durationS: 60,
        fromS: i * 60,
        inputTokens: [1000, 16_000],
        outputTokens: 100,
      }),
    );
    const plan = planOracle(trace, 2 * oracleIntervalS, settings({ slo: { ttftMs: 200, tpotMs: 30 } }));
    for (const need of plan.needs.prefill) expect(need).toBeGreaterThanOrEqual(2);
    for (const role of Roles) for (const need of plan.needs[role]) expect(need).toBeLessThanOrEqual(4);
  });
});
