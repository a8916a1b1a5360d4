// SPDX-License-Identifier: Apache-2.0
// A new replica never blinds the role: over real loopback HTTP, a prefill pod that turns
// Ready mid-run is on its first page for one pass. Prefill's rates come from the pods that have a
// window and its gauges count the new pod at once, so neither prefill nor decode (whose Little's-law
// demand reads prefill's request rate) holds on missing metrics. Only when no pod has a window does
// a role miss its rate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../../src/decision/decide.js';
import type { DecisionResult, DecisionState, Observation, Role } from '../../../src/decision/types.js';
import {
  RoleCollector,
  type CollectedRole,
  type RoleEndpoint,
} from '../../../src/sources/collect/role-collector.js';
import { Scraper } from '../../../src/sources/scrape/scraper.js';
import { TargetHealth } from '../../../src/sources/scrape/target-health.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { renderVllmPage, type FakeVllmSpec, steadyVllmSpec } from '../../fakes/fake-engine.js';
import { HttpTarget } from '../../fakes/http-target.js';
import { makeSpec, seconds } from '../../helpers/spec.js';

const t0 = Date.UTC(2026, 0, 5, 12);
let nowMs = t0;
const engine = steadyVllmSpec;

/** A loopback vLLM pod whose process started at `startMs` (its counters count from then). */
async function pod(spec: FakeVllmSpec, startMs: number): Promise<HttpTarget> {
  return HttpTarget.start((_req, res) => {
    res.writeHead(200).end(renderVllmPage(spec, startMs, nowMs));
  });
}

const targets: Record<Role, HttpTarget[]> = { prefill: [], decode: [] };
const scraper = new Scraper({ now: () => nowMs });
const logger = createLogger({ level: 'silent' });
const collectors: Record<Role, RoleCollector> = {
  prefill: new RoleCollector({ engine: 'vllm', fetcher: scraper, health: new TargetHealth(), logger }),
  decode: new RoleCollector({ engine: 'vllm', fetcher: scraper, health: new TargetHealth(), logger }),
};
const spec = makeSpec({
  sizing: {
    prefill: { model: 'throughput' },
    decode: { model: 'littles-law', crossCheckTolerance: 0.5 },
  },
});
let state: DecisionState = { roles: {} };

beforeAll(async () => {
  // Two prefill pods at 10 req/s each, one decode pod with 20 running; all up an hour before t0.
  targets.prefill.push(await pod(engine(10, 0), t0 - 3_600_000), await pod(engine(10, 0), t0 - 3_600_000));
  targets.decode.push(await pod(engine(0, 20), t0 - 3_600_000));
});
afterAll(async () => {
  scraper.close();
  await Promise.all([...targets.prefill, ...targets.decode].map((t) => t.close()));
});

const endpoints = (role: Role): RoleEndpoint[] =>
  targets[role].map((t, i) => ({ key: `${role}-${i}`, url: t.url() }));

/** One tick at `atMs`: both roles collected, then decided. */
async function tick(atMs: number): Promise<{ collected: Record<Role, CollectedRole> } & DecisionResult> {
  nowMs = atMs;
  const prefill = await collectors.prefill.collect(endpoints('prefill'), atMs);
  const decode = await collectors.decode.collect(endpoints('decode'), atMs);
  const observation: Observation = { roles: { prefill: prefill.observation, decode: decode.observation } };
  const result = decide(spec, observation, state, atMs);
  state = result.state;
  return { ...result, collected: { prefill, decode } };
}

describe('a new prefill replica', () => {
  it('holds both roles on the very first pass, when no pod has a window yet', async () => {
    const { decision, collected } = await tick(t0);
    expect(decision.roles.prefill.boundBy).toBe('missing-metrics');
    expect(decision.roles.decode.boundBy).toBe('missing-metrics');
    expect(collected.prefill.notes).toContain(
      'requestRatePerS unknown: no window yet: first scrape of this pod: no rate yet',
    );
  });

  it('decides both roles once the pods have a window', async () => {
    const { decision, collected } = await tick(t0 + seconds(5));
    expect(collected.prefill.observation.requestRatePerS?.value).toBeCloseTo(20, 6);
    for (const role of ['prefill', 'decode'] as const)
      expect(decision.roles[role].limits).not.toContain('missing-metrics');
  });

  it('blinds neither role while it is on its first page: its gauges count, its rate waits', async () => {
    targets.prefill.push(await pod(engine(10, 0), t0 + seconds(8)));
    const { decision, collected } = await tick(t0 + seconds(10));
    const prefill = collected.prefill;
    expect(prefill.observation.readyReplicas?.value).toBe(3);
    expect(prefill.observation.requestRatePerS?.value).toBeCloseTo(20, 6);
    expect(prefill.observation.kvCacheUsage?.value).toBeCloseTo(0.3, 9);
    expect(prefill.notes).toContain(
      'requestRatePerS from 2 of 3 pods: 1 without a window yet (first scrape of this pod: no rate yet)',
    );
    expect(prefill.notes).toContain(
      `no window yet, left out of rates and latencies: ${targets.prefill[2]?.url() ?? ''}`,
    );
    for (const role of ['prefill', 'decode'] as const) {
      expect(decision.roles[role].limits).not.toContain('missing-metrics');
      expect(decision.roles[role].inputs.notes.filter((n) => n.startsWith('missing:'))).toEqual([]);
    }
  });

  it('counts in the rate from its second page on', async () => {
    const { decision, collected } = await tick(t0 + seconds(15));
    expect(collected.prefill.observation.requestRatePerS?.value).toBeCloseTo(30, 6);
    expect(collected.prefill.notes.some((n) => n.includes('without a window'))).toBe(false);
    expect(decision.roles.decode.limits).not.toContain('missing-metrics');
  });
});
