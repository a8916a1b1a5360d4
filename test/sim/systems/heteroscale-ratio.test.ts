// SPDX-License-Identifier: Apache-2.0
// HeteroScale's offline P/D ratio (Algorithm 1, docs/reference.md §F.1.5): the M/D/1 prefill rate,
// the Little's-law decode rate and the per-GPU search, by hand on explicit capacities and on the real
// H200 profile at two workload shapes.
import { describe, expect, it } from 'vitest';
import { explicitCapacity, profileCapacity } from '../../../src/decision/profile-capacity.js';
import {
  chooseHeteroScaleRatio,
  md1CompliantRatePerS,
  md1WaitQuantileMs,
  type HeteroScaleRatioInput,
} from '../../../src/sim/systems/heteroscale-ratio.js';
import { h200Data } from '../helpers.js';

/**
 * Prefill: 10,000 prompt tokens/s, so ISL 1,000 takes S = 100 ms. Decode: a batch of 100 at 50 ms ITL.
 * At p90 and rho = 0.5 the M/D/1 wait quantile is (0.5 × 100 / (2 × 0.5)) × ln(0.5 / 0.1) = 50 ln 5 ms,
 * so a TTFT SLO of 100 + 50 ln 5 = 180.5 ms allows exactly rho = 0.5: 0.5 / 0.1 s = 5 requests/s.
 */
const balanced: HeteroScaleRatioInput = {
  capacity: explicitCapacity({
    prefillTokensPerSecondPerReplica: 10_000,
    decodeMaxBatchPerReplica: 100,
    decodeItlAtMaxBatchMs: 50,
  }),
  gpus: { prefill: 1, decode: 1 },
  slo: { ttftMs: 100 + 50 * Math.log(5), tpotMs: 50, quantile: 'p90' },
  meanInputTokens: 1000,
  meanOutputTokens: 200,
};

const h200 = profileCapacity(h200Data, { prefill: 1, decode: 1 }, undefined);

describe('md1WaitQuantileMs', () => {
  it.each([
    { rho: 0.05, quantile: 0.9, want: 0, why: 'rho <= 1 - q: the queue is empty at least 10% of the time' },
    { rho: 0.1, quantile: 0.9, want: 0, why: 'rho = 1 - q: ln(1) = 0' },
    { rho: 0.5, quantile: 0.9, want: 50 * Math.log(5), why: '(0.5 × 100 / 1) × ln(0.5 / 0.1)' },
    { rho: 0.9, quantile: 0.99, want: 450 * Math.log(90), why: '(0.9 × 100 / 0.2) × ln(0.9 / 0.01)' },
  ])('gives the heavy-traffic quantile at rho $rho, q $quantile ($why)', ({ rho, quantile, want }) => {
    expect(md1WaitQuantileMs({ serviceMs: 100, quantile }, rho)).toBeCloseTo(want, 9);
  });
});

describe('md1CompliantRatePerS', () => {
  const queue = { serviceMs: 100, quantile: 0.9 };

  it('finds the utilisation whose service time plus wait quantile is exactly the SLO', () => {
    expect(md1CompliantRatePerS(queue, 100 + 50 * Math.log(5))).toBeCloseTo(5, 9);
  });

  it('stays below saturation (1 / S) and grows with the SLO', () => {
    const slosMs = [100, 110, 150, 200, 400, 1000, 10_000];
    const rates = slosMs.map((sloMs) => md1CompliantRatePerS(queue, sloMs));
    // SLO = S: the wait quantile must be 0, so rho = 1 - q = 0.1, i.e. 1 request/s.
    expect(rates[0]).toBeCloseTo(1, 9);
    for (const [i, rate] of rates.entries()) {
      expect(rate).toBeLessThan(10);
      if (i > 0) expect(rate).toBeGreaterThan(rates[i - 1]!);
    }
  });

  it('is 0 when one service time alone exceeds the SLO', () => {
    expect(md1CompliantRatePerS(queue, 99.9)).toBe(0);
  });
});

describe('chooseHeteroScaleRatio', () => {
  it('balances a 5 req/s prefill against a 10 req/s decode at 2:1', () => {
    // Decode: batch 100 at 50 ms, each sequence lasts 200 × 50 ms = 10 s: 100 / 10 = 10 requests/s.
    // 2 P + 1 D serve min(2 × 5, 1 × 10) = 10 requests/s on 3 GPUs: 3.33 per GPU (1:1 gives 2.5,
    // 3:2 gives min(15, 20) / 5 = 3).
    const chosen = chooseHeteroScaleRatio(balanced);
    expect(chosen).toMatchObject({ prefill: 2, decode: 1, ratio: 2 });
    expect(chosen.prefillRequestsPerS).toBeCloseTo(5, 9);
    expect(chosen.decodeRequestsPerS).toBeCloseTo(10, 9);
    expect(chosen.requestsPerSPerGpu).toBeCloseTo(10 / 3, 9);
  });

  it('breaks ties toward the fewest GPUs: 2:1, not 4:2 or 8:4', () => {
    // Every k·(2, 1) serves 10k requests/s on 3k GPUs: the same 3.33 per GPU.
    expect(chooseHeteroScaleRatio(balanced)).toMatchObject({ prefill: 2, decode: 1 });
    expect(chooseHeteroScaleRatio({ ...balanced, maxReplicasPerRole: 1 })).toMatchObject({
      prefill: 1,
      decode: 1,
    });
  });

  it("divides the pair's throughput by its GPUs, not its replicas", () => {
    // TP2 prefill at the same 10,000 tokens/s per replica: 2:1 still balances 10 requests/s but now on
    // 2 × 2 + 1 = 5 GPUs, 2 per GPU (1:1 gives 5 / 3 = 1.67, 3:2 gives 15 / 8 = 1.88).
    const chosen = chooseHeteroScaleRatio({ ...balanced, gpus: { prefill: 2, decode: 1 } });
    expect(chosen).toMatchObject({ prefill: 2, decode: 1 });
    expect(chosen.requestsPerSPerGpu).toBeCloseTo(2, 9);
  });

  it('throws a RangeError naming the ISL and SLO when one prefill alone misses the TTFT SLO', () => {
    // ISL 1,000 takes 100 ms against a 90 ms SLO.
    expect(() => chooseHeteroScaleRatio({ ...balanced, slo: { ...balanced.slo, ttftMs: 90 } })).toThrow(
      new RangeError('TTFT SLO 90 ms is unreachable at ISL 1000: one prefill alone takes 100.0 ms'),
    );
  });

  it('throws a RangeError naming the context and SLO when a batch of one misses the TPOT SLO', () => {
    // The H200 profile's fastest decode step is slower than 1 ms at any batch.
    expect(() =>
      chooseHeteroScaleRatio({
        ...balanced,
        capacity: h200,
        slo: { ...balanced.slo, ttftMs: 2000, tpotMs: 1 },
      }),
    ).toThrow(new RangeError('TPOT SLO 1 ms is unreachable at context 1100: a batch of one is slower'));
  });

  it('chooses a prefill-heavy ratio on the H200 profile at Mooncake-like ISL 8,000 / OSL 350', () => {
    // Prefill: 48,671 tokens/s at ISL 8,000, S = 164.4 ms; at p90 within 2,000 ms TTFT: 5.54 req/s.
    // Decode: context 8,175 at 50 ms TPOT is KV-bound, batch 110 (95% of 945,029 tokens) at 33.7 ms
    // ITL: 110 / (350 × 0.0337 s) = 9.33 req/s. 9.33 / 5.54 = 1.69 prefill per decode: 5:3 serves
    // min(27.7, 28.0) / 8 = 3.46 req/s per GPU.
    const chosen = chooseHeteroScaleRatio({
      capacity: h200,
      gpus: { prefill: 1, decode: 1 },
      slo: { ttftMs: 2000, tpotMs: 50, quantile: 'p90' },
      meanInputTokens: 8000,
      meanOutputTokens: 350,
    });
    expect(chosen).toMatchObject({ prefill: 5, decode: 3 });
    expect(chosen.prefill).toBeGreaterThan(chosen.decode);
    expect(chosen.prefillRequestsPerS).toBeCloseTo(5.54, 2);
    expect(chosen.decodeRequestsPerS).toBeCloseTo(9.33, 2);
    expect(chosen.requestsPerSPerGpu).toBeCloseTo(3.46, 2);
  });

  it('chooses the simplest pair within 1% of the best on the H200 profile at Azure-code-like ISL 2,048 / OSL 28', () => {
    // Prefill: 41,549 tokens/s at ISL 2,048, S = 49.3 ms; at p90 within 500 ms TTFT: 18.1 req/s.
    // Decode: context 2,062 is KV-bound at batch 365 (80% of the KV pool) at 38.4 ms ITL:
    // 365 / (28 × 0.0384 s) = 339.5 req/s, the work of 18.7 prefill replicas. 16:1 gives
    // min(290, 339.5) / 17 = 17.05 per GPU, the best of the default 16-wide search, where 14:1
    // (253.7 / 15 = 16.91) is within 1% and smaller. A 40-wide search finds 37:2 at 17.19, and the
    // smallest pair within 1% of that is 16:1 (15:1 is 271.8 / 16 = 16.99, more than 1% below).
    const azureCode: HeteroScaleRatioInput = {
      capacity: h200,
      gpus: { prefill: 1, decode: 1 },
      slo: { ttftMs: 500, tpotMs: 50, quantile: 'p90' },
      meanInputTokens: 2048,
      meanOutputTokens: 28,
    };
    const chosen = chooseHeteroScaleRatio(azureCode);
    expect(chosen).toMatchObject({ prefill: 14, decode: 1, ratio: 14 });
    expect(chosen.prefillRequestsPerS).toBeCloseTo(18.12, 2);
    expect(chosen.decodeRequestsPerS).toBeCloseTo(339.5, 1);
    expect(chosen.requestsPerSPerGpu).toBeCloseTo(16.91, 2);
    expect(chooseHeteroScaleRatio({ ...azureCode, maxReplicasPerRole: 40 })).toMatchObject({
      prefill: 16,
      decode: 1,
    });
  });
});
