// SPDX-License-Identifier: Apache-2.0
// The whole source path over real wires: @kubernetes/client-node discovers an RBG's pods on the fake
// HTTPS apiserver, the scraper reads loopback vLLM engines at the port their annotation names, and
// decide() sizes both roles from what came back. A dead engine makes its role hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../../src/decision/decide.js';
import type { DecisionState, Role } from '../../../src/decision/types.js';
import { observePolicy, type RoleSource } from '../../../src/sources/collect/observe-policy.js';
import { RoleCollector } from '../../../src/sources/collect/role-collector.js';
import { kubePodApi } from '../../../src/sources/discovery/kube-pod-api.js';
import { RolePodDiscovery } from '../../../src/sources/discovery/pods.js';
import { Scraper } from '../../../src/sources/scrape/scraper.js';
import { TargetHealth } from '../../../src/sources/scrape/target-health.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { FakeApiServer } from '../../../src/demo/cluster/fake-apiserver.js';
import { renderVllmPage, steadyVllmSpec } from '../../fakes/fake-engine.js';
import { HttpTarget } from '../../fakes/http-target.js';
import { makePod, rbgLabels } from '../../fakes/pods.js';
import { makeSpec } from '../../helpers/spec.js';
import { eventually } from '../discovery/eventually.js';

const t0 = Date.UTC(2026, 0, 5, 12);
let nowMs = t0;
const engine = steadyVllmSpec;

let apiserver: FakeApiServer;
const engines: HttpTarget[] = [];
const dead = new Set<number>();
const discoveries: RolePodDiscovery[] = [];
const scraper = new Scraper({ now: () => nowMs });

beforeAll(async () => {
  apiserver = await FakeApiServer.start();
  // Pods 0-1 prefill (15 req/s each), 2-3 decode (150 running each).
  for (let i = 0; i < 4; i++) {
    const spec = i < 2 ? engine(15, 0) : engine(0, 150);
    engines.push(
      await HttpTarget.start((_req, res) => {
        if (dead.has(i)) res.writeHead(503).end();
        else res.writeHead(200).end(renderVllmPage(spec, t0, nowMs));
      }),
    );
    const role = i < 2 ? 'prefill' : 'decode';
    apiserver.pods.apply(
      makePod({
        name: `llama-${role}-${i}`,
        ip: '127.0.0.1',
        labels: rbgLabels('llama', role),
        annotations: { 'prometheus.io/port': String(engines[i]?.port ?? 0) },
      }),
    );
  }
});
afterAll(async () => {
  for (const d of discoveries) d.stop();
  scraper.close();
  await Promise.all(engines.map((e) => e.close()));
  await apiserver.close();
});

describe('discovery -> scrape -> decide', () => {
  const logger = createLogger({ level: 'silent' });
  const source = (role: Role): RoleSource => {
    const discovery = new RolePodDiscovery({
      role: { namespace: 'serving', rbg: 'llama', role, leaderWorker: false },
      api: kubePodApi(apiserver.kubeConfig()),
    });
    discoveries.push(discovery);
    return {
      discovery,
      collector: new RoleCollector({ engine: 'vllm', fetcher: scraper, health: new TargetHealth(), logger }),
    };
  };
  let roles: Record<Role, RoleSource>;
  const pass = (atMs: number) => {
    nowMs = atMs;
    return observePolicy(roles, atMs);
  };

  it('discovers both roles and sizes them from the engines they expose', async () => {
    roles = { prefill: source('prefill'), decode: source('decode') };
    await Promise.all(discoveries.map((d) => d.start()));
    await eventually(() => {
      expect(roles.prefill.discovery.endpoints()).toHaveLength(2);
      expect(roles.decode.discovery.endpoints()).toHaveLength(2);
    });
    await pass(t0);
    const { observation } = await pass(t0 + 15_000);
    expect(observation.roles.prefill.requestRatePerS?.value).toBeCloseTo(30, 6);
    expect(observation.roles.prefill.inputTokensMean?.value).toBeCloseTo(1000, 6);
    expect(observation.roles.decode.runningRequests?.value).toBe(300);
    expect(observation.roles.decode.readyReplicas?.value).toBe(2);

    // 30 req/s x 1,000 tokens = 3 prefill replicas at 10,000 tok/s; 300 conversations = 3 decode at 100.
    const { decision } = decide(makeSpec(), observation, { roles: {} }, t0 + 15_000);
    expect(decision.roles.prefill.desiredReplicas).toBe(3);
    expect(decision.roles.decode.desiredReplicas).toBe(3);
  });

  it('holds a role whose engine stops answering, once it is stale', async () => {
    dead.add(3);
    let last = await pass(t0 + 30_000);
    for (let tick = 3; tick <= 6; tick++) last = await pass(t0 + tick * 15_000);
    expect(last.notes.decode.some((n) => n.includes('stale after'))).toBe(true);
    const state: DecisionState = {
      roles: {
        decode: {
          desiredReplicas: 5,
          lastScaleUpAtMs: undefined,
          lastScaleDownAtMs: undefined,
          samples: [],
          forecast: undefined,
          correction: { factor: 1, atMs: t0 },
        },
      },
    };
    const { decision } = decide(makeSpec({ stalenessS: 30 }), last.observation, state, t0 + 90_000);
    expect(decision.roles.decode.desiredReplicas).toBe(5);
    expect(decision.roles.decode.boundBy).toBe('stale-metrics');
    expect(decision.roles.prefill.boundBy).not.toBe('stale-metrics');
  });
});
