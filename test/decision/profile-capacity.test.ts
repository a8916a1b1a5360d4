// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { interpolate, profileCapacity } from '../../src/decision/profile-capacity.js';
import { parseDynamoProfile } from '../../src/policy/profiles.js';
import { dataDir } from '../helpers/spec.js';

const raw = JSON.parse(
  readFileSync(`${dataDir}profiles/dynamo_H200_TP1P_TP1D/raw_data.json`, 'utf8'),
) as unknown;
const parsed = parseDynamoProfile('dynamo-h200-llama3.1-8b-fp8', raw);
if (!parsed.ok) throw new Error(parsed.message);
const h200 = profileCapacity(parsed.profile, { prefill: 1, decode: 1 }, undefined);

describe('interpolate', () => {
  it.each([
    { name: 'clamps below the range', x: -5, want: 10 },
    { name: 'hits a sample exactly', x: 1, want: 20 },
    { name: 'is linear between samples', x: 1.5, want: 25 },
    { name: 'clamps above the range', x: 9, want: 30 },
  ])('$name', ({ x, want }) => {
    expect(
      interpolate(
        [
          { x: 0, y: 10 },
          { x: 1, y: 20 },
          { x: 2, y: 30 },
        ],
        x,
      ),
    ).toBe(want);
  });
});

describe('the Dynamo H200 profile (Llama-3.1-8B-FP8, TP1)', () => {
  it('interpolates prefill throughput and TTFT over ISL between measured points', () => {
    // ISL 3,000 lies between 2,134 (42,707 tok/s, 49.97 ms) and 3,151 (49,846 tok/s, 63.21 ms).
    const at3000 = h200.prefill(3000);
    const w = (3000 - 2134) / (3151 - 2134);
    expect(at3000.tokensPerSecond).toBeCloseTo(
      42706.958340382786 + w * (49845.95764074385 - 42706.958340382786),
      6,
    );
    expect(at3000.unloadedTtftMs).toBeCloseTo(49.968438 + w * (63.214755 - 49.968438), 6);
  });

  it("extrapolates unloaded TTFT beyond the longest profiled prompt at that prompt's own rate", () => {
    // The longest profiled ISL and its TTFT: a prompt twice as long takes twice as long unloaded
    // (clamping would call a 126k-token prompt as fast as the profile's longest).
    const isl = parsed.profile.prefill.inputTokens;
    const longest = isl[isl.length - 1]!;
    const ttft = parsed.profile.prefill.ttftMs[isl.length - 1]!;
    expect(h200.prefill(longest).unloadedTtftMs).toBeCloseTo(ttft, 9);
    expect(h200.prefill(2 * longest).unloadedTtftMs).toBeCloseTo(2 * ttft, 9);
    // Throughput stays clamped: capacity beyond the data is not invented.
    expect(h200.prefill(2 * longest).tokensPerSecond).toBe(h200.prefill(longest).tokensPerSecond);
  });

  it('reproduces the measured ITL at a measured point', () => {
    // ctx 2,997 at KV use 0.15539523: 9.937 ms measured; batch = 0.15539523 x 945,029 / 2,997.
    const batch = (0.15539523125745347 * 945029) / 2997;
    expect(h200.decodeItlMs(2997, batch)).toBeCloseTo(9.937452489795918, 6);
  });

  it('finds the largest decode batch under an ITL target at the Dynamo 3000/150 operating point', () => {
    // Context 3,075 (ISL 3,000 + OSL 150/2); a 10 ms target allows KV use just above 0.155.
    const capacity = h200.decode(3075, 10);
    expect(capacity.reachable).toBe(true);
    expect(capacity.maxBatch).toBeGreaterThanOrEqual(46);
    expect(capacity.maxBatch).toBeLessThanOrEqual(49);
    expect(h200.decodeItlMs(3075, capacity.maxBatch)).toBeLessThanOrEqual(10.05);
  });

  it('gives a larger batch for a looser target and a shorter context', () => {
    expect(h200.decode(3075, 25).maxBatch).toBeGreaterThan(h200.decode(3075, 10).maxBatch);
    expect(h200.decode(1000, 25).maxBatch).toBeGreaterThan(h200.decode(8000, 25).maxBatch);
  });

  it('reports an ITL target below the unloaded ITL as unreachable', () => {
    expect(h200.decode(3075, 2)).toEqual({ maxBatch: 1, reachable: false });
  });

  it('caps the batch at the engine maximum when the policy sets one', () => {
    const capped = profileCapacity(parsed.profile, { prefill: 1, decode: 1 }, 32);
    expect(capped.decode(3075, 25).maxBatch).toBe(32);
  });
});
