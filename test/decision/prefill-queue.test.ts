// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  erlangC,
  promptClasses,
  replicasForTtftQuantile,
  ttftSloShare,
  type PrefillQueueLoad,
} from '../../src/decision/prefill-queue.js';

const oneClass = (arrivalsPerS: number, serviceMs: number, ttftSloMs: number): PrefillQueueLoad => ({
  arrivalsPerS,
  classes: [{ share: 1, serviceMs }],
  ttftSloMs,
});

describe('Erlang C', () => {
  it.each([
    // Textbook values: c = 2, a = 1 -> 1/3; c = 10, a = 8 -> 0.409; c = 1 is M/M/1, P(wait) = rho.
    { servers: 2, erlangs: 1, expected: 1 / 3 },
    { servers: 10, erlangs: 8, expected: 0.4092 },
    { servers: 1, erlangs: 0.7, expected: 0.7 },
  ])('gives P(wait) $expected for $servers servers at $erlangs erlangs', ({ servers, erlangs, expected }) => {
    expect(erlangC(servers, erlangs)).toBeCloseTo(expected, 3);
  });

  it('is 1 when the offered load reaches the servers (an unstable queue always waits)', () => {
    expect(erlangC(4, 4)).toBe(1);
    expect(erlangC(4, 5)).toBe(1);
  });
});

describe('the TTFT share of a prefill queue', () => {
  it('needs more replicas than the mean rate alone to hold p99 (queueing headroom)', () => {
    // 40 req/s of 100 ms prompts is 4 erlangs: the mean-rate formula says 4 replicas.
    const load = oneClass(40, 100, 500);
    const replicas = replicasForTtftQuantile(load, 0.99);
    expect(replicas).toBeGreaterThan(4);
    expect(ttftSloShare(load, replicas)).toBeGreaterThanOrEqual(0.99);
    expect(ttftSloShare(load, replicas - 1)).toBeLessThan(0.99);
  });

  it('needs relatively less headroom on a big fleet (economy of scale)', () => {
    const small = replicasForTtftQuantile(oneClass(40, 100, 500), 0.99) / 4;
    const big = replicasForTtftQuantile(oneClass(1000, 100, 500), 0.99) / 100;
    expect(big).toBeLessThan(small);
  });

  it('leaves out prompts whose own prefill exceeds the SLO', () => {
    const load: PrefillQueueLoad = {
      arrivalsPerS: 10,
      classes: [
        { share: 0.9, serviceMs: 100 },
        { share: 0.1, serviceMs: 3000 },
      ],
      ttftSloMs: 2000,
    };
    expect(ttftSloShare(load, 50)).toBeGreaterThan(0.999);
  });

  it('is at most half the first stable count when the replicas cannot carry the load, and 1 without load', () => {
    const load = oneClass(40, 100, 500); // 4 erlangs
    expect(ttftSloShare(load, 4)).toBeCloseTo(0.5 * ttftSloShare(load, 5), 12);
    expect(ttftSloShare(load, 2)).toBeCloseTo(0.25 * ttftSloShare(load, 5), 12);
    expect(ttftSloShare(load, 0)).toBe(0);
    expect(ttftSloShare(oneClass(0, 100, 500), 1)).toBe(1);
    expect(replicasForTtftQuantile(oneClass(0, 100, 500), 0.99)).toBe(0);
  });

  it('never falls as replicas are added, and never needs fewer replicas at a higher rate', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 500, noNaN: true }),
        fc.double({ min: 5, max: 400, noNaN: true }),
        fc.integer({ min: 1, max: 200 }),
        (rate, serviceMs, replicas) => {
          const load = oneClass(rate, serviceMs, 1000);
          expect(ttftSloShare(load, replicas + 1)).toBeGreaterThanOrEqual(
            ttftSloShare(load, replicas) - 1e-12,
          );
          expect(replicasForTtftQuantile(oneClass(rate * 1.5, serviceMs, 1000), 0.99)).toBeGreaterThanOrEqual(
            replicasForTtftQuantile(load, 0.99),
          );
        },
      ),
    );
  });
});

describe('prompt classes from a prompt-length histogram', () => {
  it('puts each bucket at the geometric middle of its bounds and +Inf at twice the last bound', () => {
    const classes = promptClasses(
      [
        { le: 100, count: 10 },
        { le: 10_000, count: 30 },
        { le: Infinity, count: 31 },
      ],
      (tokens) => tokens,
    );
    expect(classes).toEqual([
      { share: 10, serviceMs: 10 },
      { share: 20, serviceMs: 1000 },
      { share: 1, serviceMs: 20_000 },
    ]);
  });
});
