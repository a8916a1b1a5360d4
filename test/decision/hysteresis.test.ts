// SPDX-License-Identifier: Apache-2.0
// Stateful behaviour as narratives over explicit time (Knative TestAutoscalerScaleDownDelay style).
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import type { DecisionSpec, DecisionState } from '../../src/decision/types.js';
import { makeObservation, makeSpec, seconds, t0, type LoadShape } from '../helpers/spec.js';

/** Steps one policy through time; each step returns the prefill and decode counts. */
function stepper(spec: DecisionSpec) {
  let state: DecisionState = { roles: {} };
  return (atS: number, load: LoadShape) => {
    const result = decide(spec, makeObservation(t0 + seconds(atS), load), state, t0 + seconds(atS));
    state = result.state;
    return result.decision.roles;
  };
}

const windows = makeSpec({
  scaleUp: { windowS: 30, maxStepReplicas: 4, maxStepPercent: 100 },
  scaleDown: { windowS: 300, maxStepReplicas: 1, maxStepPercent: 20 },
});

describe('scale-up window', () => {
  it('scales up only after demand stayed above the current count for the whole window', () => {
    const step = stepper(windows);
    expect(step(0, { prefillLoad: 1 }).prefill.desiredReplicas).toBe(1);
    expect(step(15, { prefillLoad: 3 }).prefill.desiredReplicas).toBe(1); // 15 s of evidence < 30 s window
    expect(step(30, { prefillLoad: 3 }).prefill.boundBy).toBe('scale-up-window');
    expect(step(45, { prefillLoad: 3 }).prefill.desiredReplicas).toBe(3); // window [15, 45] all ask for 3
  });

  it('takes the smallest recommendation over the window, so a one-tick spike moves nothing', () => {
    const step = stepper(windows);
    step(0, { prefillLoad: 1 });
    step(15, { prefillLoad: 9 }); // spike
    step(30, { prefillLoad: 1.1 });
    expect(step(45, { prefillLoad: 2 }).prefill.desiredReplicas).toBe(2); // min over [15, 45] is 2
  });

  it('moves at once on a clear SLO breach', () => {
    const step = stepper(windows);
    step(0, { prefillLoad: 1 });
    // TTFT 700 ms > 1.2 x 500 ms: correction 1.4 -> 3 x 1.4 = 4.2 -> 5 without waiting.
    const d = step(15, { prefillLoad: 3, ttftMs: 700 }).prefill;
    expect(d.desiredReplicas).toBe(5);
    expect(d.boundBy).toBe('slo-breach');
  });
});

describe('scale-down window', () => {
  it('scales down only when the survivors hold the margin for the whole window, one step at a time', () => {
    const step = stepper(
      makeSpec({ ...windows, scaleUp: { windowS: 30, maxStepReplicas: 100, maxStepPercent: 100 } }),
    );
    expect(step(0, { prefillLoad: 10 }).prefill.desiredReplicas).toBe(1); // no evidence yet
    expect(step(30, { prefillLoad: 10 }).prefill.desiredReplicas).toBe(10); // up window [0, 30] covered
    // Load drops to 4: ceil(4 / 0.8) = 5 survivors would hold the margin.
    expect(step(45, { prefillLoad: 4 }).prefill.boundBy).toBe('direction-change'); // scaled up at 30
    // At 330 the window [30, 330] still starts with the t=30 sample (load 10): hold.
    expect(step(330, { prefillLoad: 4 }).prefill.boundBy).toBe('scale-down-window');
    expect(step(345, { prefillLoad: 4 }).prefill.desiredReplicas).toBe(8); // [45, 345] all ask <= 5: -20%
    expect(step(360, { prefillLoad: 4 }).prefill.desiredReplicas).toBe(7);
    expect(step(375, { prefillLoad: 4 }).prefill.desiredReplicas).toBe(6);
    expect(step(390, { prefillLoad: 4 }).prefill.desiredReplicas).toBe(5);
    expect(step(405, { prefillLoad: 4 }).prefill.desiredReplicas).toBe(5); // fixed point
  });

  it('a short rise inside the down window restarts the wait (samples hold until the next one)', () => {
    const step = stepper(
      makeSpec({ scaleDown: { windowS: 300, maxStepReplicas: 100, maxStepPercent: 100 } }),
    );
    step(0, { prefillLoad: 5 }); // 5
    step(400, { prefillLoad: 1 });
    step(500, { prefillLoad: 4.5 }); // survivors at 4.5 need ceil(4.5/0.8) = 6 >= 5: hold
    step(700, { prefillLoad: 1 });
    expect(step(999, { prefillLoad: 1 }).prefill.desiredReplicas).toBe(5); // the t=500 sample speaks until 700
    expect(step(1001, { prefillLoad: 1 }).prefill.desiredReplicas).toBe(2); // [701, 1001] all ask for ceil(1/0.8)
  });

  it('goes straight to the floor, or to zero with scaleToZero, once idle for the whole window', () => {
    const spec = makeSpec({
      scaleToZero: true,
      roles: { prefill: { minReplicas: 0 }, decode: { minReplicas: 0 } },
      scaleDown: { windowS: 300, maxStepReplicas: 1, maxStepPercent: 10 },
    });
    const step = stepper(spec);
    step(0, { prefillLoad: 6, decodeLoad: 6 });
    step(301, { prefillLoad: 0, decodeLoad: 0 });
    const idle = step(602, { prefillLoad: 0, decodeLoad: 0 });
    expect([idle.prefill.desiredReplicas, idle.decode.desiredReplicas]).toEqual([0, 0]);
    expect(idle.prefill.boundBy).toBe('idle');
  });

  it('forgets window evidence while data is missing, so a return of data starts the wait again', () => {
    const spec = makeSpec({ scaleDown: { windowS: 300, maxStepReplicas: 100, maxStepPercent: 100 } });
    let state: DecisionState = { roles: {} };
    const run = (atS: number, observation = makeObservation(t0 + seconds(atS), { prefillLoad: 1 })) => {
      const r = decide(spec, observation, state, t0 + seconds(atS));
      state = r.state;
      return r.decision.roles.prefill;
    };
    run(0, makeObservation(t0, { prefillLoad: 8 }));
    run(400);
    run(500, { roles: { prefill: {}, decode: makeObservation(t0 + seconds(500)).roles.decode } });
    expect(run(510).desiredReplicas).toBe(8); // evidence restarted at 510
    expect(run(811).desiredReplicas).toBe(2);
  });
});

describe('forecast', () => {
  it('scales up ahead of a steady ramp by the cold-start horizon (Holt), and not beyond maxGrowth', () => {
    const spec = makeSpec({
      forecast: {
        method: 'holt',
        horizonS: { prefill: 120, decode: 120 },
        alpha: 0.5,
        beta: 0.5,
        maxGrowth: 2,
      },
    });
    const step = stepper(spec);
    let last = step(0, { prefillLoad: 2 });
    for (let i = 1; i <= 20; i++) last = step(i * 15, { prefillLoad: 2 + i * 0.2 }); // +0.2 replica per 15 s
    // Measured 6 replicas of load; the trend adds ~1.6 over 120 s, capped at 2x the level.
    expect(last.prefill.inputs.measuredDemand).toBeCloseTo(60_000, 6);
    expect(last.prefill.desiredReplicas).toBeGreaterThanOrEqual(7);
    expect(last.prefill.desiredReplicas).toBeLessThanOrEqual(12);
  });

  it('never scales down on a falling forecast before the measured load falls', () => {
    const spec = makeSpec({
      forecast: {
        method: 'holt',
        horizonS: { prefill: 600, decode: 600 },
        alpha: 0.9,
        beta: 0.9,
        maxGrowth: 2,
      },
    });
    const step = stepper(spec);
    step(0, { prefillLoad: 6 });
    const d = step(15, { prefillLoad: 5.9 });
    expect(d.prefill.desiredReplicas).toBe(6);
  });
});
