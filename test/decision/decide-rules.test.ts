// SPDX-License-Identifier: Apache-2.0
// One behaviour per test, with explicit time (Knative's knative/serving pkg/autoscaler/scaling/autoscaler_test.go).
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import type { DecisionSpec, DecisionState, Observation, Role } from '../../src/decision/types.js';
import { makeObservation, makeSpec, observedAt, seconds, t0, type LoadShape } from '../helpers/spec.js';

const empty: DecisionState = { roles: {} };

/** A state as if the previous tick had published these replicas. */
function publishedAt(replicas: Partial<Record<Role, number>>): DecisionState {
  const role = (desiredReplicas: number) => ({
    desiredReplicas,
    lastScaleUpAtMs: undefined,
    lastScaleDownAtMs: undefined,
    samples: [],
    forecast: undefined,
    correction: { factor: 1, atMs: t0 },
  });
  return {
    roles: Object.fromEntries(Object.entries(replicas).map(([r, n]) => [r, role(n)])),
  };
}

function once(spec: DecisionSpec, observation: Observation, state: DecisionState = empty, nowMs = t0) {
  return decide(spec, observation, state, nowMs).decision;
}

describe('prefill sizing', () => {
  it('serves rate x ISL at the per-replica capacity', () => {
    // 35 req/s x 1,000 tokens = 35,000 tok/s at 10,000 per replica: 3.5 -> 4.
    const d = once(
      makeSpec(),
      makeObservation(t0, { prefillLoad: 3.5 }),
      publishedAt({ prefill: 1, decode: 1 }),
    );
    expect(d.roles.prefill.desiredReplicas).toBe(4);
    expect(d.roles.prefill.boundBy).toBe('demand');
    expect(d.roles.prefill.inputs.neededReplicas).toBeCloseTo(3.5, 9);
  });

  it('adds the replicas that drain the waiting queue within the TTFT SLO', () => {
    // 10 queued x 1,000 tokens within 0.5 s = 20,000 tok/s = 2 replicas on top of the 1 for the rate.
    const d = once(
      makeSpec(),
      makeObservation(t0, { prefillLoad: 1, waiting: 10 }),
      publishedAt({ prefill: 1, decode: 1 }),
    );
    expect(d.roles.prefill.inputs.neededReplicas).toBeCloseTo(3, 9);
    expect(d.roles.prefill.desiredReplicas).toBe(3);
  });

  it('respects the request-rate cap per prefill replica', () => {
    // 10 req/s needs 1 replica by tokens but 4 at 2.5 req/s per replica.
    const spec = makeSpec({ slo: { maxRequestRatePerPrefillReplica: 2.5 } });
    expect(once(spec, makeObservation(t0, { prefillLoad: 1 })).roles.prefill.desiredReplicas).toBe(4);
  });

  it('corrects capacity by observed TTFT over the SLO, at most by maxFactor', () => {
    // TTFT 750 ms against 500 ms: capacity x 1/1.5, 2 replicas of load -> 3.
    const corrected = once(
      makeSpec(),
      makeObservation(t0, { prefillLoad: 2, ttftMs: 750 }),
      publishedAt({ prefill: 2, decode: 1 }),
    );
    expect(corrected.roles.prefill.inputs.correctionFactor).toBeCloseTo(1.5, 9);
    expect(corrected.roles.prefill.desiredReplicas).toBe(3);
    const capped = once(
      makeSpec(),
      makeObservation(t0, { prefillLoad: 2, ttftMs: 5000 }),
      publishedAt({ prefill: 2, decode: 1 }),
    );
    expect(capped.roles.prefill.inputs.correctionFactor).toBe(2);
  });

  it('never corrects capacity upward when latency is better than the SLO', () => {
    const d = once(
      makeSpec(),
      makeObservation(t0, { prefillLoad: 2, ttftMs: 50 }),
      publishedAt({ prefill: 2, decode: 1 }),
    );
    expect(d.roles.prefill.inputs.correctionFactor).toBe(1);
  });
});

describe('decode sizing', () => {
  it('keeps active conversations per replica at or under the largest batch meeting the TPOT SLO', () => {
    // 450 conversations at 100 per replica (ITL 50 ms at batch 100): 5 replicas.
    const d = once(
      makeSpec(),
      makeObservation(t0, { decodeLoad: 4.5 }),
      publishedAt({ prefill: 1, decode: 1 }),
    );
    expect(d.roles.decode.desiredReplicas).toBe(5);
  });

  it('respects the active-conversations cap per decode replica', () => {
    const spec = makeSpec({ slo: { maxActiveConversationsPerDecodeReplica: 50 } });
    expect(once(spec, makeObservation(t0, { decodeLoad: 2 })).roles.decode.desiredReplicas).toBe(4);
  });

  it('corrects by observed TPOT against the model ITL at the current batch', () => {
    // 200 conversations on 2 ready replicas = batch 100, model 50 ms; observed 75 ms -> factor 1.5,
    // ITL target 50/1.5 -> batch 66 -> ceil(200/66) = 4.
    const d = once(
      makeSpec(),
      makeObservation(t0, { decodeLoad: 2, tpotMs: 75, ready: { decode: 2 } }),
      publishedAt({ prefill: 1, decode: 2 }),
    );
    expect(d.roles.decode.inputs.correctionFactor).toBeCloseTo(1.5, 9);
    expect(d.roles.decode.desiredReplicas).toBe(4);
  });
});

describe('custom expressions', () => {
  it('raise a role to the replicas the expression asks for when that is more', () => {
    const spec = makeSpec({
      customDemand: {
        prefill: {
          source: 'prefill_request_rate / 2',
          signals: ['prefill_request_rate'],
          evaluate: (s) => (s.prefill_request_rate ?? 0) / 2,
        },
      },
    });
    // 10 req/s / 2 = 5 replicas, more than the 1 the token model needs.
    const d = once(spec, makeObservation(t0, { prefillLoad: 1 }));
    expect(d.roles.prefill.desiredReplicas).toBe(5);
  });

  it('hold the role when a signal the expression needs is unknown', () => {
    const spec = makeSpec({
      customDemand: {
        prefill: {
          source: 'prefill_ttft_ms / 100',
          signals: ['prefill_ttft_ms'],
          evaluate: (s) => (s.prefill_ttft_ms ?? 0) / 100,
        },
      },
    });
    const d = once(spec, makeObservation(t0, { prefillLoad: 1 }), publishedAt({ prefill: 3, decode: 1 }));
    expect(d.roles.prefill.desiredReplicas).toBe(3);
    expect(d.roles.prefill.boundBy).toBe('missing-metrics');
  });
});

describe('missing and stale data', () => {
  it('holds the current replicas when a required field is missing, and says which', () => {
    const observation = makeObservation(t0, { prefillLoad: 0 });
    const { requestRatePerS: _dropped, ...prefill } = observation.roles.prefill;
    const d = once(
      makeSpec(),
      { roles: { ...observation.roles, prefill } },
      publishedAt({ prefill: 5, decode: 1 }),
    );
    expect(d.roles.prefill.desiredReplicas).toBe(5);
    expect(d.roles.prefill.boundBy).toBe('missing-metrics');
    expect(d.roles.prefill.inputs.notes).toContain('missing: requestRatePerS');
  });

  it('holds the current replicas when data is older than the staleness limit, never scaling down', () => {
    const stale = observedAt(makeObservation(t0, { prefillLoad: 0, decodeLoad: 0 }), t0 - seconds(61));
    const d = once(makeSpec(), stale, publishedAt({ prefill: 5, decode: 7 }));
    expect(d.roles.prefill.desiredReplicas).toBe(5);
    expect(d.roles.decode.desiredReplicas).toBe(7);
    expect(d.roles.decode.boundBy).toBe('stale-metrics');
  });

  it('treats unknown traffic as unknown, not idle: no scale to zero without data', () => {
    const spec = makeSpec({
      scaleToZero: true,
      roles: { prefill: { minReplicas: 0 }, decode: { minReplicas: 0 } },
    });
    const nothing: Observation = { roles: { prefill: {}, decode: {} } };
    const d = once(spec, nothing, publishedAt({ prefill: 2, decode: 2 }));
    expect([d.roles.prefill.desiredReplicas, d.roles.decode.desiredReplicas]).toEqual([2, 2]);
  });

  it('only decides for the role whose data is fresh', () => {
    const observation = makeObservation(t0, { prefillLoad: 6, decodeLoad: 1 });
    const decodeStale = {
      roles: {
        prefill: observation.roles.prefill,
        decode: observedAt(observation, t0 - seconds(120)).roles.decode,
      },
    };
    const d = once(makeSpec(), decodeStale, publishedAt({ prefill: 2, decode: 4 }));
    expect(d.roles.prefill.desiredReplicas).toBe(6);
    expect(d.roles.decode.desiredReplicas).toBe(4);
  });
});

describe('hysteresis rules', () => {
  it('does not scale up while replicas are pending', () => {
    const observation = makeObservation(t0, { prefillLoad: 8, ready: { prefill: 2 } });
    const withPending = {
      roles: {
        ...observation.roles,
        prefill: { ...observation.roles.prefill, pendingReplicas: { value: 2, atMs: t0 } },
      },
    };
    const d = once(makeSpec(), withPending, publishedAt({ prefill: 4, decode: 1 }));
    expect(d.roles.prefill.desiredReplicas).toBe(4);
    expect(d.roles.prefill.boundBy).toBe('pending-replicas');
  });

  it('limits a scale-up to the larger of maxStepReplicas and maxStepPercent', () => {
    const spec = makeSpec({ scaleUp: { maxStepReplicas: 2, maxStepPercent: 50 } });
    // From 10, +max(2, 5) = 15 although 30 are needed.
    const d = once(spec, makeObservation(t0, { prefillLoad: 30 }), publishedAt({ prefill: 10, decode: 1 }));
    expect(d.roles.prefill.desiredReplicas).toBe(15);
    expect(d.roles.prefill.boundBy).toBe('max-step');
  });

  it('limits a scale-down to the larger of maxStepReplicas and maxStepPercent', () => {
    const spec = makeSpec({ scaleDown: { maxStepReplicas: 1, maxStepPercent: 20 } });
    // From 10, -max(1, 2) = 8 although 2 would do.
    const d = once(spec, makeObservation(t0, { prefillLoad: 1.5 }), publishedAt({ prefill: 10, decode: 1 }));
    expect(d.roles.prefill.desiredReplicas).toBe(8);
    expect(d.roles.prefill.boundBy).toBe('max-step');
  });

  it('keeps N replicas when N-1 survivors would run above the margin (the 2<->1 oscillation of dynamo PR #9294)', () => {
    // Load 0.9 replicas: one replica would do (up = 1) but it would run at 90% > 80% margin: keep 2.
    const d = once(
      makeSpec(),
      makeObservation(t0, { prefillLoad: 0.9 }),
      publishedAt({ prefill: 2, decode: 1 }),
    );
    expect(d.roles.prefill.desiredReplicas).toBe(2);
    expect(d.roles.prefill.boundBy).toBe('scale-down-margin');
  });
});

describe('joint limits', () => {
  const load = (l: LoadShape) => makeObservation(t0, l);

  it('raises the lower side into the ratio band', () => {
    // Decode needs 8; prefill 1; band prefill/decode >= 0.5 raises prefill to 4.
    const spec = makeSpec({ ratio: { min: 0.5, max: 2, basis: 'replicas' } });
    const d = once(spec, load({ prefillLoad: 1, decodeLoad: 8 }));
    expect(d.roles.prefill.desiredReplicas).toBe(4);
    expect(d.roles.prefill.boundBy).toBe('ratio-band');
    expect(d.roles.decode.desiredReplicas).toBe(8);
  });

  it('counts the ratio in GPUs when the policy says so', () => {
    // Prefill 2 GPUs per replica, decode 1: 8 decode GPUs x 0.5 = 4 prefill GPUs = 2 replicas.
    const spec = makeSpec({
      ratio: { min: 0.5, max: 2, basis: 'gpus' },
      roles: { prefill: { gpusPerReplica: 2 } },
    });
    expect(once(spec, load({ prefillLoad: 1, decodeLoad: 8 })).roles.prefill.desiredReplicas).toBe(2);
  });

  it('fits the GPU budget in proportion to need, both roles keeping at least one', () => {
    // Need 12 + 24 = 36 GPUs, budget 18: half each -> 6 + 12.
    const spec = makeSpec({ gpuBudget: { min: undefined, max: 18 } });
    const d = once(spec, load({ prefillLoad: 12, decodeLoad: 24 }));
    expect([d.roles.prefill.desiredReplicas, d.roles.decode.desiredReplicas]).toEqual([6, 12]);
    expect(d.roles.decode.boundBy).toBe('gpu-budget');
    expect(d.gpus).toBe(18);
  });

  it('lowers the higher side of the ratio only when the budget forces it', () => {
    // Need prefill 1, decode 10; band >= 0.5 wants prefill 5 (15 GPUs) but the budget is 9.
    const spec = makeSpec({
      ratio: { min: 0.5, max: 2, basis: 'replicas' },
      gpuBudget: { min: undefined, max: 9 },
    });
    const d = once(spec, load({ prefillLoad: 1, decodeLoad: 10 }));
    expect([d.roles.prefill.desiredReplicas, d.roles.decode.desiredReplicas]).toEqual([3, 6]);
  });

  it('raises both roles to a GPU budget minimum', () => {
    const spec = makeSpec({ gpuBudget: { min: 6, max: undefined } });
    const d = once(spec, load({ prefillLoad: 1, decodeLoad: 2 }));
    expect(d.gpus).toBe(6);
    expect(d.roles.decode.desiredReplicas).toBeGreaterThanOrEqual(d.roles.prefill.desiredReplicas);
  });

  it('caps at maxReplicas and raises to minReplicas', () => {
    const spec = makeSpec({ roles: { prefill: { maxReplicas: 3 }, decode: { minReplicas: 2 } } });
    const d = once(spec, load({ prefillLoad: 9, decodeLoad: 0.5 }));
    expect(d.roles.prefill.desiredReplicas).toBe(3);
    expect(d.roles.prefill.boundBy).toBe('max-replicas');
    expect(d.roles.decode.desiredReplicas).toBe(2);
    expect(d.roles.decode.boundBy).toBe('min-replicas');
  });

  it('applies the highest active schedule floor, only while its schedule matches', () => {
    const spec = makeSpec({
      schedules: [
        {
          name: 'peak',
          isActive: (now) => now >= t0 && now < t0 + seconds(3600),
          minReplicas: { decode: 6 },
        },
      ],
    });
    expect(once(spec, load({ decodeLoad: 1 })).roles.decode.desiredReplicas).toBe(6);
    expect(once(spec, load({ decodeLoad: 1 })).roles.decode.boundBy).toBe('schedule-floor');
    const later = decide(
      spec,
      makeObservation(t0 + seconds(7200), { decodeLoad: 1 }),
      publishedAt({ decode: 1, prefill: 1 }),
      t0 + seconds(7200),
    );
    expect(later.decision.roles.decode.desiredReplicas).toBe(1);
  });

  it('lets a held role be raised by the ratio band but never lowered by the budget', () => {
    const spec = makeSpec({
      ratio: { min: 0.5, max: 2, basis: 'replicas' },
      gpuBudget: { min: undefined, max: 12 },
    });
    const observation = makeObservation(t0, { prefillLoad: 1, decodeLoad: 10 });
    const { activeConversations: _gone, ...decode } = observation.roles.decode;
    const d = once(
      spec,
      { roles: { prefill: observation.roles.prefill, decode } },
      publishedAt({ prefill: 1, decode: 8 }),
    );
    expect(d.roles.decode.desiredReplicas).toBe(8);
    expect(d.roles.prefill.desiredReplicas).toBe(4);
  });
});

describe('explanations', () => {
  it('say which rule bound each number and the figures behind it', () => {
    const spec = makeSpec({ ratio: { min: 0.5, max: 2, basis: 'replicas' } });
    const d = once(spec, makeObservation(t0, { prefillLoad: 1, decodeLoad: 8, tpotMs: 30 }));
    expect(d.roles.prefill.reason).toBe(
      'prefill 1 -> 4: adjusted to keep prefill/decode inside the ratio band. Demand 10,000 prompt tokens/s at 10,000 per replica needs 1 replicas. TTFT p90 unknown (SLO 500 ms).',
    );
    expect(d.roles.decode.reason).toBe(
      'decode 1 -> 8: sized to demand. Demand 800 active conversations at 100 per replica needs 8 replicas. TPOT p90 30 ms against a 50 ms SLO.',
    );
  });
});
