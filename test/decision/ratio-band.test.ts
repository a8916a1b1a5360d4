// SPDX-License-Identifier: Apache-2.0
// The P/D ratio report of a decision: the Ready ratio's distance from the band (what the backtest
// averages as ratioDeviation) and the sentence `pdscaler plan` prints about it.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import { explain, ratioSentence } from '../../src/decision/explain.js';
import { distanceToBand, pairRatio, ratioReport } from '../../src/decision/ratio-band.js';
import { makeObservation, makeSpec, t0 } from '../helpers/spec.js';

const band = { min: 0.5, max: 2, basis: 'replicas' as const };

describe('the ratio band report', () => {
  it.each([
    [1, 0],
    [0.5, 0],
    [2, 0],
    [0.25, 0.25],
    [3.5, 1.5],
  ])('puts ratio %d at distance %d from [0.5, 2]', (ratio, distance) => {
    expect(distanceToBand(ratio, band)).toBe(distance);
  });

  it('takes a GPU basis from the roles’ GPUs per replica', () => {
    const spec = makeSpec({ roles: { prefill: { gpusPerReplica: 4 }, decode: { gpusPerReplica: 8 } } });
    expect(pairRatio(spec, { prefill: 2, decode: 2 }, 'gpus')).toBe(0.5);
    expect(pairRatio(spec, { prefill: 2, decode: 2 }, 'replicas')).toBe(1);
  });

  it('has no Ready ratio when a role has no Ready replica or readiness is unknown', () => {
    const spec = makeSpec({ ratio: band });
    expect(
      ratioReport(spec, { prefill: 3, decode: 0 }, { prefill: 3, decode: 1 })?.readyRatio,
    ).toBeUndefined();
    expect(
      ratioReport(spec, { prefill: undefined, decode: 2 }, { prefill: 3, decode: 1 })?.readyDeviation,
    ).toBeUndefined();
  });

  it('is absent from a decision whose policy has no band', () => {
    const result = decide(makeSpec(), makeObservation(t0), { roles: {} }, t0);
    expect(result.decision.ratio).toBeUndefined();
    expect(explain(result.decision)).not.toContain('P/D ratio');
  });

  it('reports the Ready ratio outside the band and the desired ratio inside it, and plan explains both', () => {
    const spec = makeSpec({ ratio: band });
    // 6 Ready prefill per 1 Ready decode is 4 above the band's max of 2.
    const observation = makeObservation(t0, {
      prefillLoad: 2,
      decodeLoad: 2,
      ready: { prefill: 6, decode: 1 },
    });
    const { decision } = decide(spec, observation, { roles: {} }, t0);
    expect(decision.ratio?.readyRatio).toBe(6);
    expect(decision.ratio?.readyDeviation).toBe(4);
    const desired = decision.roles.prefill.desiredReplicas / decision.roles.decode.desiredReplicas;
    expect(decision.ratio?.desiredRatio).toBe(desired);
    expect(desired).toBeLessThanOrEqual(2);
    expect(explain(decision)).toContain(
      `P/D ratio: Ready ratio 6 is 4 outside the band [0.5, 2] (replicas); desired ratio ${Number(desired.toFixed(2))}.`,
    );
  });

  it('says when the Ready ratio is inside the band', () => {
    expect(ratioSentence({ band, readyRatio: 1, readyDeviation: 0, desiredRatio: 1.5 })).toBe(
      'P/D ratio: Ready ratio 1 is inside the band [0.5, 2] (replicas); desired ratio 1.5.',
    );
  });
});
