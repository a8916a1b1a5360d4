// SPDX-License-Identifier: Apache-2.0
// Gateway demand in prefill sizing (docs/reference.md §E.1.5): requests queued at the
// endpoint picker drain within one TTFT SLO like the engine queue, rejected ones add to the request
// rate, and unknown or stale gateway fields change nothing.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import type { RoleObservation } from '../../src/decision/types.js';
import { makeObservation, makeSpec, seconds, t0 } from '../helpers/spec.js';

const spec = makeSpec();
const ttftS = spec.slo.ttftMs / 1000;
/** makeObservation's prefill: 10 req/s x 1,000 tokens on 10,000 tokens/s replicas = 1 replica. */
const baseNeeded = 1;

function prefillWith(gateway: Partial<RoleObservation>): {
  needed: number | undefined;
  notes: readonly string[];
} {
  const base = makeObservation(t0);
  const observation = { roles: { ...base.roles, prefill: { ...base.roles.prefill, ...gateway } } };
  const { decision } = decide(spec, observation, { roles: {} }, t0);
  const inputs = decision.roles.prefill.inputs;
  return { needed: inputs.neededReplicas, notes: inputs.notes };
}

describe('gateway demand in prefill sizing', () => {
  it.each([
    ['unknown gateway fields add nothing', {}, baseNeeded],
    ['an empty gateway queue adds nothing', { gatewayQueuedRequests: { value: 0, atMs: t0 } }, baseNeeded],
    [
      'a stale gateway queue adds nothing',
      { gatewayQueuedRequests: { value: 8, atMs: t0 - seconds(spec.stalenessS + 1) } },
      baseNeeded,
    ],
    [
      'queued requests drain within one TTFT SLO at the mean ISL',
      { gatewayQueuedRequests: { value: 8, atMs: t0 } },
      baseNeeded + (8 * 1000) / ttftS / 10_000,
    ],
    [
      'rejected requests per second add to the request rate',
      { gatewayRejectedPerS: { value: 4, atMs: t0 } },
      ((10 + 4) * 1000) / 10_000,
    ],
  ] as const)('%s', (_name, gateway, expected) => {
    expect(prefillWith(gateway).needed).toBeCloseTo(expected, 9);
  });

  it('names the gateway queue in the explanation', () => {
    const { notes } = prefillWith({ gatewayQueuedRequests: { value: 8, atMs: t0 } });
    expect(notes).toContain(
      `8 requests queued at the gateway pool, not yet seen by the engines: drained within ${spec.slo.ttftMs} ms`,
    );
  });

  it('says nothing about the gateway when it is unknown', () => {
    expect(prefillWith({}).notes.filter((n) => n.includes('gateway'))).toEqual([]);
  });
});
