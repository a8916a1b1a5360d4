// SPDX-License-Identifier: Apache-2.0
// Prometheus faults end to end: down, slow, an error envelope and a non-JSON body each leave the
// role's signals unknown with a reason, and decide() holds that role instead of reading zeros.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../../src/decision/decide.js';
import type { DecisionState } from '../../../src/decision/types.js';
import { queryRoleSignals, toRoleObservation } from '../../../src/sources/prometheus/source.js';
import { freeLoopbackPort as closedPort } from '../../fakes/ports.js';
import {
  errorBody,
  startFakePrometheus,
  type CannedReply,
  type FakePrometheus,
} from '../../fakes/fake-prometheus.js';
import { makeObservation, makeSpec } from '../../helpers/spec.js';

const t0 = Date.UTC(2026, 0, 5, 12);
let reply: CannedReply = { kind: 'json', body: {} };
let prometheus: FakePrometheus;
beforeAll(async () => {
  prometheus = await startFakePrometheus(() => reply);
});
afterAll(async () => {
  await prometheus.close();
});

const held: DecisionState = {
  roles: {
    prefill: {
      desiredReplicas: 6,
      lastScaleUpAtMs: undefined,
      lastScaleDownAtMs: undefined,
      samples: [],
      forecast: undefined,
      correction: { factor: 1, atMs: t0 },
    },
  },
};

describe.each<{ name: string; setup: () => Promise<string>; code: string }>([
  {
    name: 'Prometheus down',
    setup: async () => `http://127.0.0.1:${await closedPort()}`,
    code: 'PROM_UNREACHABLE',
  },
  {
    name: 'Prometheus slow',
    setup: () => ((reply = { kind: 'hang' }), Promise.resolve(prometheus.url)),
    code: 'PROM_TIMEOUT',
  },
  {
    name: 'an error envelope',
    setup: () => (
      (reply = { kind: 'json', status: 503, body: errorBody('unavailable', 'too many queries') }),
      Promise.resolve(prometheus.url)
    ),
    code: 'PROM_ERROR',
  },
  {
    name: 'a non-JSON body',
    setup: () => (
      (reply = { kind: 'raw', status: 200, body: '<html>gateway</html>' }),
      Promise.resolve(prometheus.url)
    ),
    code: 'PROM_NOT_JSON',
  },
])('$name', ({ setup, code }) => {
  it(`leaves every signal unknown (${code}) and the role holds`, async () => {
    const baseUrl = await setup();
    const signals = await queryRoleSignals(
      {
        client: { baseUrl, timeoutMs: 300 },
        engine: 'vllm',
        role: { namespace: 'serving', rbg: 'llama', role: 'prefill' },
      },
      () => t0,
    );
    for (const reading of Object.values(signals))
      expect('error' in reading ? reading.error.code : 'value').toBe(code);
    const prefill = toRoleObservation(signals, 'p90');
    expect(prefill).toEqual({});
    const { decision } = decide(
      makeSpec(),
      { roles: { prefill, decode: makeObservation(t0).roles.decode } },
      held,
      t0,
    );
    expect(decision.roles.prefill.desiredReplicas).toBe(6);
    expect(decision.roles.prefill.boundBy).toBe('missing-metrics');
  });
});
