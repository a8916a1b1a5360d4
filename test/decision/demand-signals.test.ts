// SPDX-License-Identifier: Apache-2.0
// How demand signals become replicas at the edges the backtest exposed: idle windows with no finished
// request, histogram bucket resolution in the latency correction, and headroom from forecast error.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import { forecastHeadroom, updateForecast } from '../../src/decision/forecast.js';
import { bucketedEstimate } from '../../src/decision/role-demand.js';
import type { DecisionState, Observation, RoleObservation } from '../../src/decision/types.js';
import { makeObservation, makeSpec, seconds, t0 } from '../helpers/spec.js';

const at = <T>(value: T, atMs = t0) => ({ value, atMs });

function withRole(observation: Observation, role: 'prefill' | 'decode', o: RoleObservation): Observation {
  return { roles: { ...observation.roles, [role]: o } };
}

describe('idle windows', () => {
  it('a known zero request rate with no finished request (so no ISL) is idle, not missing data', () => {
    const spec = makeSpec({ scaleToZero: true, roles: { prefill: { minReplicas: 0 } } });
    const base = makeObservation(t0);
    const observation = withRole(base, 'prefill', { requestRatePerS: at(0), waitingRequests: at(0) });
    const state: DecisionState = { roles: {} };
    const { decision } = decide(spec, observation, state, t0);
    expect(decision.roles.prefill.boundBy).not.toBe('missing-metrics');
    expect(decision.roles.prefill.inputs.neededReplicas).toBe(0);
  });

  it('a non-zero request rate without its ISL still holds as missing data', () => {
    const spec = makeSpec();
    const observation = withRole(makeObservation(t0), 'prefill', { requestRatePerS: at(5) });
    const { decision } = decide(spec, observation, { roles: {} }, t0);
    expect(decision.roles.prefill.boundBy).toBe('missing-metrics');
  });

  it('zero active decode conversations without lengths are idle, not missing data', () => {
    const spec = makeSpec();
    const observation = withRole(makeObservation(t0), 'decode', { activeConversations: at(0) });
    const { decision } = decide(spec, observation, { roles: {} }, t0);
    expect(decision.roles.decode.boundBy).not.toBe('missing-metrics');
    expect(decision.roles.decode.inputs.neededReplicas).toBe(0);
  });
});

describe('bucket resolution in the latency correction', () => {
  const vllmItlBucketsMs = [10, 25, 50, 75, 100, Infinity].map((le, i) => ({ le, count: i }));

  it.each([
    // A point mass at 4.4 ms sits in (0, 10]: histogram_quantile(0.9) reads 9 ms.
    [4.4, 0.9, 9],
    [4.4, 0.5, 5],
    // 30 ms sits in (25, 50]: 25 + 0.9 x 25.
    [30, 0.9, 47.5],
    // Beyond the last finite bound the quantile cannot be read off the buckets: the value itself.
    [500, 0.9, 500],
  ])('a prediction of %d ms reads as the quantile %d would: %d ms', (valueMs, q, expected) => {
    expect(bucketedEstimate(valueMs, vllmItlBucketsMs, q)).toBeCloseTo(expected, 9);
  });

  it('an observed ITL in the first bucket does not correct decode capacity', () => {
    const spec = makeSpec();
    const base = makeObservation(t0, { ready: { decode: 2 } });
    // Every token within 10 ms: p90 from the buckets is 9 ms, the model predicts far less.
    const tpot = at({
      buckets: [
        { le: 10, count: 1000 },
        { le: Infinity, count: 1000 },
      ],
    });
    const observation = withRole(base, 'decode', { ...base.roles.decode, tpotMs: tpot });
    const { decision } = decide(spec, observation, { roles: {} }, t0);
    expect(decision.roles.decode.inputs.correctionFactor).toBe(1);
  });
});

describe('headroom from forecast error', () => {
  const forecast = makeSpec({ forecast: { method: 'holt', headroomSigmas: 1 } }).forecast;

  it('steady demand earns no headroom', () => {
    let state = updateForecast(forecast, undefined, 100, t0);
    for (let i = 1; i <= 20; i++) state = updateForecast(forecast, state, 100, t0 + seconds(15 * i));
    expect(forecastHeadroom(forecast, state)).toBeCloseTo(0, 6);
  });

  it('demand alternating between 0 and 200 earns headroom of the order of its swing', () => {
    let state = updateForecast(forecast, undefined, 100, t0);
    for (let i = 1; i <= 40; i++)
      state = updateForecast(forecast, state, i % 2 === 0 ? 0 : 200, t0 + seconds(15 * i));
    const headroom = forecastHeadroom(forecast, state);
    expect(headroom).toBeGreaterThan(50);
    expect(headroom).toBeLessThan(400);
  });

  it('headroom 0 sigmas is off', () => {
    const off = { ...forecast, headroomSigmas: 0 };
    let state = updateForecast(off, undefined, 0, t0);
    state = updateForecast(off, state, 1000, t0 + seconds(15));
    expect(forecastHeadroom(off, state)).toBe(0);
  });
});
