// SPDX-License-Identifier: Apache-2.0
// The whole engine path for one role over real loopback HTTP: scrape -> parse -> adapter -> window ->
// aggregate, then decide(). A failing pod never reads as zero: the role holds, and the log says so
// once per change of state.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../../src/decision/decide.js';
import type { DecisionState } from '../../../src/decision/types.js';
import { RoleCollector, type RoleEndpoint } from '../../../src/sources/collect/role-collector.js';
import { Scraper } from '../../../src/sources/scrape/scraper.js';
import { TargetHealth } from '../../../src/sources/scrape/target-health.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { renderVllmPage, type FakeVllmSpec } from '../../fakes/fake-engine.js';
import { HttpTarget } from '../../fakes/http-target.js';
import { makeObservation, makeSpec } from '../../helpers/spec.js';

const t0 = Date.UTC(2026, 0, 5, 12);
let nowMs = t0;
const spec: FakeVllmSpec = {
  modelName: 'Qwen/Qwen3-0.6B',
  requestsPerS: 4,
  promptTokens: [{ value: 1000, perS: 4 }],
  generationTokens: [{ value: 100, perS: 4 }],
  ttftSeconds: [{ value: 0.2, perS: 4 }],
  itlSeconds: [{ value: 0.02, perS: 400 }],
  waiting: 3,
  running: 10,
  kvCacheUsage: 0.5,
};

let failing = false;
const pods: HttpTarget[] = [];
const logLines: { level: number; msg: string; to?: string }[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean))
      logLines.push(JSON.parse(line) as (typeof logLines)[number]);
    done();
  },
});

beforeAll(async () => {
  for (const index of [0, 1]) {
    pods.push(
      await HttpTarget.start((_req, res) => {
        if (failing && index === 1) {
          res.writeHead(500).end('boom');
          return;
        }
        res
          .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
          .end(renderVllmPage(spec, t0, nowMs));
      }),
    );
  }
});
afterAll(async () => {
  await Promise.all(pods.map((p) => p.close()));
});

describe('RoleCollector', () => {
  const scraper = new Scraper({ now: () => nowMs, timeoutMs: 2000 });
  afterAll(() => {
    scraper.close();
  });
  const collector = new RoleCollector({
    engine: 'vllm',
    fetcher: scraper,
    health: new TargetHealth({ staleAfterMisses: 3 }),
    logger: createLogger({ destination: sink }).child({ policy: 'default/test', role: 'prefill' }),
  });
  const endpoints = (): RoleEndpoint[] => pods.map((p, i) => ({ key: `pod-${i}`, url: p.url() }));
  const pass = async (atMs: number) => {
    nowMs = atMs;
    return collector.collect(endpoints(), atMs);
  };

  it('reads gauges on the first pass and leaves rates unknown until a window exists', async () => {
    const first = await pass(t0);
    expect(first.observation.waitingRequests).toEqual({ value: 6, atMs: t0 });
    expect(first.observation.runningRequests).toEqual({ value: 20, atMs: t0 });
    expect(first.observation.readyReplicas).toEqual({ value: 2, atMs: t0 });
    expect(first.observation.requestRatePerS).toBeUndefined();
  });

  it('turns counters into per-role rates and histograms into windowed means over the next pass', async () => {
    const second = await pass(t0 + 15_000);
    // 4 req/s per pod, two pods; every prompt is 1,000 tokens.
    expect(second.observation.requestRatePerS?.value).toBeCloseTo(8, 6);
    expect(second.observation.inputTokensMean?.value).toBeCloseTo(1000, 6);
    expect(second.observation.requestRatePerS?.atMs).toBe(t0 + 15_000);
  });

  it('keeps a failing pod at its last good page, then marks the role stale so the decision holds', async () => {
    failing = true;
    const third = await pass(t0 + 30_000); // miss 1: failing
    expect(third.observation.requestRatePerS?.atMs).toBe(t0 + 15_000);
    expect(third.notes.some((n) => n.includes('failing after 1 misses'))).toBe(true);
    await pass(t0 + 45_000); // miss 2
    const stale = await pass(t0 + 60_000); // miss 3: stale
    expect(stale.observation.requestRatePerS?.atMs).toBe(t0 + 15_000);
    for (let tick = 5; tick <= 9; tick++) await pass(t0 + tick * 15_000);

    const policy = makeSpec({ stalenessS: 60 });
    const held: DecisionState = {
      roles: {
        prefill: {
          desiredReplicas: 7,
          lastScaleUpAtMs: undefined,
          lastScaleDownAtMs: undefined,
          samples: [],
          forecast: undefined,
          correction: { factor: 1, atMs: t0 },
        },
      },
    };
    const now = t0 + 150_000;
    const last = await pass(now);
    const observation = { roles: { prefill: last.observation, decode: makeObservation(now).roles.decode } };
    const { decision } = decide(policy, observation, held, now);
    expect(decision.roles.prefill.desiredReplicas).toBe(7);
    expect(decision.roles.prefill.boundBy).toBe('stale-metrics');
  });

  it('logs once per change of state, not once per failed scrape', () => {
    const transitions = logLines
      .filter((l) => l.msg.startsWith('metrics endpoint'))
      .map((l) => `${l.level}:${l.to ?? ''}`);
    // Nine failed scrapes of pod-1 in a row: failing once, stale once.
    expect(transitions).toEqual(['40:failing', '40:stale']);
  });

  it('logs the recovery once when the pod answers again', async () => {
    failing = false;
    await pass(t0 + 165_000);
    await pass(t0 + 180_000);
    const recoveries = logLines.filter((l) => l.msg === 'metrics endpoint recovered');
    expect(recoveries).toHaveLength(1);
  });
});
