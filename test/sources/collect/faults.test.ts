// SPDX-License-Identifier: Apache-2.0
// Every engine fault the collector handles, end to end through the collector and the decider: the role's
// fields go stale with a reason, the pass keeps going, the decision for that role holds, and the log
// has one line per change of state (failing, then stale), not one per scrape.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../../src/decision/decide.js';
import type { DecisionState } from '../../../src/decision/types.js';
import { RoleCollector } from '../../../src/sources/collect/role-collector.js';
import { Scraper } from '../../../src/sources/scrape/scraper.js';
import { TargetHealth } from '../../../src/sources/scrape/target-health.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { renderVllmPage, type FakeVllmSpec } from '../../fakes/fake-engine.js';
import { HttpTarget, type TargetHandler } from '../../fakes/http-target.js';
import { makeObservation, makeSpec } from '../../helpers/spec.js';

const t0 = Date.UTC(2026, 0, 5, 12);
let nowMs = t0;
const spec: FakeVllmSpec = {
  modelName: 'm',
  requestsPerS: 5,
  promptTokens: [{ value: 1000, perS: 5 }],
  generationTokens: [{ value: 100, perS: 5 }],
  ttftSeconds: [{ value: 0.2, perS: 5 }],
  itlSeconds: [{ value: 0.02, perS: 500 }],
  waiting: 1,
  running: 4,
  kvCacheUsage: 0.2,
};

type Fault = 'none' | '500' | 'hang' | 'close-mid-body' | 'garbage' | '100MB';
let fault: Fault = 'none';
const handler: TargetHandler = (_req, res) => {
  const page = renderVllmPage(spec, t0, nowMs);
  switch (fault) {
    case 'none':
      res.writeHead(200).end(page);
      return;
    case '500':
      res.writeHead(500).end('internal error');
      return;
    case 'hang':
      return; // never answers
    case 'close-mid-body':
      res.writeHead(200, { 'content-length': String(page.length) });
      res.write(page.slice(0, 1000));
      setTimeout(() => res.destroy(), 10);
      return;
    case 'garbage':
      res.writeHead(200).end('<html>502 Bad Gateway</html>\n{"not": "metrics"}');
      return;
    case '100MB': {
      res.writeHead(200);
      const chunk = Buffer.alloc(1 << 20, 'x');
      let sent = 0;
      const pump = (): void => {
        while (sent < 100 && res.write(chunk)) sent++;
        if (sent < 100) res.once('drain', pump);
        else res.end();
      };
      res.on('close', () => (sent = 100));
      pump();
      return;
    }
  }
};

let healthy: HttpTarget;
let flaky: HttpTarget;
beforeAll(async () => {
  healthy = await HttpTarget.start((_req, res) => res.writeHead(200).end(renderVllmPage(spec, t0, nowMs)));
  flaky = await HttpTarget.start(handler);
});
afterAll(async () => {
  flaky.closeIdleConnections();
  await Promise.all([healthy.close(), flaky.close()]);
});

describe.each<{ fault: Fault; code: string }>([
  { fault: '500', code: 'SCRAPE_HTTP_STATUS' },
  { fault: 'hang', code: 'SCRAPE_TIMEOUT' },
  { fault: 'close-mid-body', code: 'SCRAPE_ABORTED_BODY' },
  { fault: 'garbage', code: 'PAGE_INVALID' },
  { fault: '100MB', code: 'SCRAPE_TOO_LARGE' },
])('an engine that starts failing with $fault', ({ fault: mode, code }) => {
  it(`holds the role once the pod is stale, with ${code} logged once per state change`, async () => {
    const lines: { msg: string; to?: string; reason?: { code: string } }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(l) as (typeof lines)[number]);
        done();
      },
    });
    const scraper = new Scraper({ now: () => nowMs, timeoutMs: 300, maxBodyBytes: 1 << 20 });
    const collector = new RoleCollector({
      engine: 'vllm',
      fetcher: scraper,
      health: new TargetHealth({ staleAfterMisses: 3 }),
      logger: createLogger({ destination: sink }),
    });
    const endpoints = [
      { key: 'healthy', url: healthy.url() },
      { key: 'flaky', url: flaky.url() },
    ];
    const pass = async (atMs: number) => {
      nowMs = atMs;
      return collector.collect(endpoints, atMs);
    };
    try {
      fault = 'none';
      await pass(t0);
      await pass(t0 + 15_000);
      fault = mode;
      let last = await pass(t0 + 30_000);
      for (let tick = 3; tick <= 7; tick++) last = await pass(t0 + tick * 15_000);

      const transitions = lines.filter((l) => l.msg.startsWith('metrics endpoint'));
      expect(transitions.map((l) => l.to)).toEqual(['failing', 'stale']);
      expect(transitions.map((l) => l.reason?.code)).toEqual([code, code]);
      expect(last.notes.some((n) => n.includes('stale after 6 misses'))).toBe(true);

      const state: DecisionState = {
        roles: {
          prefill: {
            desiredReplicas: 4,
            lastScaleUpAtMs: undefined,
            lastScaleDownAtMs: undefined,
            samples: [],
            forecast: undefined,
            correction: { factor: 1, atMs: t0 },
          },
        },
      };
      const now = t0 + 105_000;
      const observation = { roles: { prefill: last.observation, decode: makeObservation(now).roles.decode } };
      const { decision } = decide(makeSpec({ stalenessS: 60 }), observation, state, now);
      expect(decision.roles.prefill.desiredReplicas).toBe(4);
      expect(decision.roles.prefill.boundBy).toBe('stale-metrics');
    } finally {
      fault = 'none';
      scraper.close();
    }
  });
});
