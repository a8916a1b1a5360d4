// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  crossCheckedConversations,
  decodeConcurrency,
  decodeSloShare,
} from '../../src/decision/decode-sizing.js';

const flow = {
  arrivalsPerS: 100,
  prefillBacklog: 0,
  decodeBacklog: 0,
  outputTokensMean: 343,
  itlAtTargetBatchMs: 20,
  ttftSloMs: 2000,
};

describe("decode concurrency by Little's law", () => {
  it.each([
    { name: 'arrivals x decode duration', change: {}, conversations: 686 },
    {
      name: 'the whole prefill backlog when a conversation outlasts the TTFT SLO',
      change: { prefillBacklog: 50 },
      conversations: 736,
    },
    {
      name: 'part of the prefill backlog when conversations are shorter than the TTFT SLO',
      change: { prefillBacklog: 50, outputTokensMean: 50 },
      conversations: 100 + 25,
    },
    {
      name: 'requests waiting for KV room on top of the flow',
      change: { decodeBacklog: 30 },
      conversations: 716,
    },
    { name: 'nothing without arrivals or backlog', change: { arrivalsPerS: 0 }, conversations: 0 },
    {
      name: 'arrivals only up to what the prefill replicas Ready or arriving can finish',
      change: { prefillCapacityPerS: 60 },
      conversations: 60 * 6.86,
    },
    {
      name: 'the prefill backlog only at the prefill capacity left over from the arrivals',
      change: { prefillBacklog: 50, prefillCapacityPerS: 105 },
      conversations: 686 + 5 * 6.86,
    },
    {
      name: 'none of the prefill backlog while prefill has no spare capacity',
      change: { prefillBacklog: 500, prefillCapacityPerS: 100 },
      conversations: 686,
    },
  ])('counts $name', ({ change, conversations }) => {
    expect(decodeConcurrency({ ...flow, ...change }).conversations).toBeCloseTo(conversations, 6);
  });

  it('does not depend on how many replicas decode now (the active count does)', () => {
    // The same arrivals give the same concurrency whatever the fleet; only the inputs appear.
    expect(decodeConcurrency(flow)).toEqual(decodeConcurrency({ ...flow }));
  });
});

describe('the active-conversation cross-check', () => {
  it.each([
    { active: undefined, conversations: 600, byActive: false },
    { active: 800, conversations: 600, byActive: false },
    { active: 1200, conversations: 800, byActive: true },
  ])(
    'with $active active against 600 predicted at 50% tolerance sizes for $conversations',
    ({ active, conversations, byActive }) => {
      expect(crossCheckedConversations(600, active, 0.5)).toEqual({ conversations, byActive });
    },
  );

  it('never sizes below the prediction', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        (predicted, active) => {
          expect(crossCheckedConversations(predicted, active, 0.5).conversations).toBeGreaterThanOrEqual(
            predicted,
          );
        },
      ),
    );
  });
});

describe('the decode SLO share', () => {
  it.each([
    { conversations: 0, batch: 50, replicas: 0, share: 1 },
    { conversations: 500, batch: 50, replicas: 10, share: 1 },
    { conversations: 500, batch: 50, replicas: 5, share: 0.5 },
  ])(
    'is $share for $conversations conversations on $replicas replicas of $batch',
    ({ conversations, batch, replicas, share }) => {
      expect(decodeSloShare(conversations, batch, replicas)).toBe(share);
    },
  );
});
