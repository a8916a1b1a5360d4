// SPDX-License-Identifier: Apache-2.0
// The default sizing rules through decide(): prefill by the TTFT quantile of a queue, decode by
// Little's law on prefill's arrivals with the active count as a cross-check and the KV cache as a
// bound, and a breach judged only when bucket resolution cannot explain it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import { explicitCapacity } from '../../src/decision/profile-capacity.js';
import type { DecisionSpec, Observation, RoleObservation } from '../../src/decision/types.js';
import { makeObservation, makeSpec, t0 } from '../helpers/spec.js';

const queueing = makeSpec({
  sizing: {
    prefill: { model: 'queueing' },
    decode: { model: 'littles-law', crossCheckTolerance: 0.5 },
  },
  slo: { quantile: 'p99', ttftMs: 500 },
});

/** Fields to set, or to remove with `undefined` (unknown is absent, never 0). */
type Changes = { [K in keyof RoleObservation]?: RoleObservation[K] | undefined };

function changed(base: RoleObservation, changes: Changes = {}): RoleObservation {
  const merged = Object.entries({ ...base, ...changes }).filter(([, value]) => value !== undefined);
  return Object.fromEntries(merged);
}

function with_(roles: { prefill?: Changes; decode?: Changes }, load = 1): Observation {
  const base = makeObservation(t0, { prefillLoad: load, decodeLoad: load });
  return {
    roles: {
      prefill: changed(base.roles.prefill, roles.prefill),
      decode: changed(base.roles.decode, roles.decode),
    },
  };
}

function needed(spec: DecisionSpec, observation: Observation, role: 'prefill' | 'decode'): number {
  const { decision } = decide(spec, observation, { roles: {} }, t0);
  return decision.roles[role].inputs.neededReplicas ?? Number.NaN;
}

function notes(spec: DecisionSpec, observation: Observation, role: 'prefill' | 'decode'): string {
  return decide(spec, observation, { roles: {} }, t0).decision.roles[role].inputs.notes.join('\n');
}

describe('prefill sized by the TTFT quantile of a queue', () => {
  it('keeps headroom over the mean-rate replica count', () => {
    // 8 replicas' worth of prompt tokens (80 req/s x 1,000 tokens on 10,000 tokens/s replicas).
    const observation = makeObservation(t0, { prefillLoad: 8 });
    const byThroughput = needed(makeSpec({ slo: { quantile: 'p99', ttftMs: 500 } }), observation, 'prefill');
    expect(byThroughput).toBeCloseTo(8, 6);
    expect(needed(queueing, observation, 'prefill')).toBeGreaterThan(8);
  });

  it('needs more replicas when the prompt-length histogram shows long prompts near the SLO', () => {
    const short = [
      { le: 1000, count: 100 },
      { le: Infinity, count: 100 },
    ];
    const mixed = [
      { le: 500, count: 80 },
      { le: 5000, count: 100 },
      { le: Infinity, count: 100 },
    ];
    const at = (buckets: typeof short): Observation =>
      with_({ prefill: { inputTokensBuckets: { value: buckets, atMs: t0 } } }, 8);
    expect(needed(queueing, at(mixed), 'prefill')).toBeGreaterThan(needed(queueing, at(short), 'prefill'));
  });

  it('sizes nothing by queueing when the prompt length is unknown (an idle window)', () => {
    const observation = with_({
      prefill: { requestRatePerS: { value: 0, atMs: t0 }, inputTokensMean: undefined },
    });
    expect(needed(queueing, observation, 'prefill')).toBe(0);
  });

  it('never needs fewer replicas for a higher request rate', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        (load, more) => {
          const low = needed(queueing, makeObservation(t0, { prefillLoad: load }), 'prefill');
          const high = needed(queueing, makeObservation(t0, { prefillLoad: load * more }), 'prefill');
          expect(high).toBeGreaterThanOrEqual(low);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("decode sized by Little's law", () => {
  // testCapacity: ITL grows linearly to 50 ms at 100 conversations; 10 req/s x 100 output tokens.
  it('sizes from prefill arrivals x decode duration, not from the active count', () => {
    const observation = with_({ decode: { activeConversations: { value: 60, atMs: t0 } } }, 10);
    // 100 req/s x (100 tokens x 50 ms) = 500 conversations at batch 100 = 5 replicas.
    expect(needed(queueing, observation, 'decode')).toBeCloseTo(5, 6);
    expect(notes(queueing, observation, 'decode')).toContain("Little's law: 100.00 req/s from prefill");
  });

  it('does not follow an active count inflated by slow decode, within the tolerance', () => {
    const at = (active: number): number =>
      needed(queueing, with_({ decode: { activeConversations: { value: active, atMs: t0 } } }, 10), 'decode');
    expect(at(300)).toBe(at(740));
  });

  it('follows the active count beyond the tolerance, and says so', () => {
    const observation = with_({ decode: { activeConversations: { value: 1500, atMs: t0 } } }, 10);
    expect(needed(queueing, observation, 'decode')).toBeCloseTo(10, 6);
    expect(notes(queueing, observation, 'decode')).toContain('sized from the active count');
  });

  it('counts the prefill backlog and requests waiting for KV room as conversations', () => {
    const active = { activeConversations: { value: 500, atMs: t0 } };
    const base = needed(queueing, with_({ decode: active }, 10), 'decode');
    const backlog = with_(
      {
        prefill: { waitingRequests: { value: 50, atMs: t0 } },
        decode: { ...active, waitingRequests: { value: 50, atMs: t0 } },
      },
      10,
    );
    // Each conversation decodes 5 s, longer than the 0.5 s TTFT SLO: all 50 + 50 count.
    expect(needed(queueing, backlog, 'decode')).toBeCloseTo(base + 1, 6);
  });

  it('is bounded by what the KV cache holds at the SLO quantile of prompt lengths', () => {
    const capacity = {
      ...explicitCapacity({
        prefillTokensPerSecondPerReplica: 10_000,
        decodeMaxBatchPerReplica: 100,
        decodeItlAtMaxBatchMs: 50,
      }),
      kvCapacityTokens: 44_000,
    };
    const spec = { ...queueing, capacity };
    const observation = with_({}, 10);
    // 44,000 tokens of 1,100-token conversations: 40 by the mean, fewer at p99 with spread.
    expect(needed(spec, observation, 'decode')).toBeGreaterThan(500 / 40);
    expect(notes(spec, observation, 'decode')).toContain('KV cache bounds the batch');
  });

  it('holds when prefill arrivals are unknown', () => {
    const observation = with_({ prefill: { requestRatePerS: undefined } }, 10);
    const { decision } = decide(queueing, observation, { roles: {} }, t0);
    expect(decision.roles.decode.inputs.notes).toContain('missing: prefill requestRatePerS');
  });
});

describe('a TTFT breach judged with bucket resolution', () => {
  const spec = makeSpec({ slo: { quantile: 'p99', ttftMs: 2000, breachFactor: 1 } });
  const ttft = (buckets: { le: number; count: number }[]): Observation =>
    with_({ prefill: { ttftMs: { value: { buckets }, atMs: t0 } } });
  it.each([
    {
      name: 'is no breach when the quantile falls in a bucket that straddles the SLO',
      buckets: [
        { le: 1000, count: 95 },
        { le: 2500, count: 100 },
        { le: Infinity, count: 100 },
      ],
      rule: false,
    },
    {
      name: 'is a breach when the whole bucket holding the quantile lies above the SLO',
      buckets: [
        { le: 1000, count: 90 },
        { le: 2500, count: 97 },
        { le: 5000, count: 100 },
        { le: Infinity, count: 100 },
      ],
      rule: true,
    },
  ])('$name', ({ buckets, rule }) => {
    const { decision } = decide(spec, ttft(buckets), { roles: {} }, t0);
    expect(decision.roles.prefill.boundBy === 'slo-breach').toBe(rule);
  });
});
