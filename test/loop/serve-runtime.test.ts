// SPDX-License-Identifier: Apache-2.0
// The serve runtime in-process against the fake cluster and live fake engines: advisory mode decides
// and publishes but writes nothing, and a metrics endpoint that never answers cannot stall the loop:
// the tick deadline cuts it off and the policy keeps publishing (holding) once per interval.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../src/loop/config.js';
import { startServe, type RunningServe } from '../../src/loop/serve-runtime.js';
import { systemTimers } from '../../src/sources/discovery/pods.js';
import { HttpTarget } from '../fakes/http-target.js';
import { makePod, rbgLabels } from '../fakes/pods.js';
import { namespace, rbgName, startScenario, until, writeServeConfig, type Scenario } from '../e2e/harness.js';

let scenario: Scenario | undefined;
let running: RunningServe | undefined;

afterEach(async () => {
  await running?.stop();
  await scenario?.close();
  running = undefined;
  scenario = undefined;
});

async function serve(configBody: string): Promise<{ scenario: Scenario; running: RunningServe }> {
  scenario = await startScenario();
  const loaded = loadServeConfig(writeServeConfig(scenario, 'serve', configBody));
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  running = await startServe(loaded.config, {
    logger: pino({ level: 'silent' }),
    nowMs: Date.now,
    timers: systemTimers,
    env: {},
    announce: () => undefined,
  });
  return { scenario, running };
}

describe('startServe', () => {
  it('decides and publishes in advisory mode but writes no /scale and no Event', async () => {
    const { scenario, running } = await serve(
      'mode: direct\nadvisory: true\nleaderElection: { enabled: false }\n',
    );
    scenario.engines.prefill.setLoad(3);
    const decided = await until(
      () => {
        const decision = running.board.get(namespace, 'llama')?.decision;
        return decision?.roles.prefill.desiredReplicas === 2 ? decision : undefined;
      },
      15_000,
      'an advisory decision of 2 prefill replicas',
    );
    expect(decided.roles.prefill.boundBy).toBe('demand');
    await new Promise((r) => setTimeout(r, 1500));
    expect(scenario.cluster.scaleWrites).toEqual([]);
    expect(scenario.cluster.events.store.list(namespace)).toEqual([]);
    expect(scenario.cluster.adapters.store.get(namespace, `${rbgName}-prefill`)?.spec).toMatchObject({
      replicas: 1,
    });
  }, 30_000);

  it('keeps publishing once per interval while a metrics endpoint hangs past the tick deadline', async () => {
    const { scenario, running } = await serve(
      'mode: direct\ntickDeadline: 300ms\nleaderElection: { enabled: false }\n',
    );
    // A second prefill pod whose /metrics accepts the connection and never answers.
    const hung = await HttpTarget.start(() => undefined);
    try {
      scenario.cluster.pods.store.apply(
        makePod({
          name: `${rbgName}-prefill-1`,
          namespace,
          ip: '127.0.0.1',
          labels: rbgLabels(rbgName, 'prefill'),
          annotations: { 'prometheus.io/port': String(hung.port) },
        }),
      );
      await until(() => running.board.get(namespace, 'llama')?.decision, 10_000, 'a first decision');
      const published: number[] = [];
      const unsubscribe = running.board.subscribe((entry) => published.push(entry.publishedAtMs));
      await new Promise((r) => setTimeout(r, 4200));
      unsubscribe();
      // One tick per 1 s interval, each cut off at 300 ms instead of waiting for the 500 ms scrape timeout.
      expect(published.length).toBeGreaterThanOrEqual(3);
      const gaps = published.slice(1).map((at, i) => at - (published[i] ?? at));
      for (const gap of gaps) expect(gap).toBeLessThan(1600);
      // A pod that never answers is stale after two misses: the role holds rather than reading it as idle.
      expect(running.board.get(namespace, 'llama')?.decision?.roles.prefill.boundBy).toBe('stale-metrics');
    } finally {
      await hung.close();
    }
  }, 30_000);
});
