// SPDX-License-Identifier: Apache-2.0
// The live demo after a scale-up: `pdscaler demo` in-process, its simulated fleet on the
// wall clock. The day-shaped trace scales prefill up within the first minute; once the new replicas
// turn Ready they are on their first page for one tick. No tick after the first measured one may hold
// either role, and every published decision reads as a value for both desired-replicas metrics (what
// the external metrics API and the KEDA scaler answer). The first tick holds: no pod has a window yet.
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Roles, type Role } from '../../src/decision/types.js';
import { startDemo, type RunningDemo } from '../../src/demo/run-demo.js';
import { desiredReplicasMetric, readMetric } from '../../src/serving/metric-values.js';
import { systemTimers } from '../../src/sources/discovery/pods.js';
import { until } from '../e2e/harness.js';

interface Tick {
  readonly ready: Readonly<Record<Role, number | undefined>>;
  readonly limits: Readonly<Record<Role, readonly string[]>>;
  readonly unavailable: readonly string[];
}

let demo: RunningDemo | undefined;
afterAll(async () => {
  await demo?.stop();
});

const held = (limits: readonly string[]): boolean =>
  limits.includes('missing-metrics') || limits.includes('stale-metrics');

describe('pdscaler demo', () => {
  it('holds no tick after prefill scales up and its new replicas turn Ready', async () => {
    const ticks: Tick[] = [];
    demo = await startDemo({
      statusPort: 0,
      dayS: 1200,
      logger: pino({ level: 'silent' }),
      nowMs: Date.now,
      timers: systemTimers,
      announce: () => undefined,
    });
    demo.serve.board.subscribe((entry) => {
      const decision = entry.decision;
      if (decision === undefined) return;
      const unavailable = Roles.map((role) => readMetric(entry, desiredReplicasMetric(role), decision.atMs))
        .filter((reading) => !reading.ok)
        .map((reading) => reading.message);
      ticks.push({
        ready: {
          prefill: decision.roles.prefill.inputs.readyReplicas,
          decode: decision.roles.decode.inputs.readyReplicas,
        },
        limits: { prefill: decision.roles.prefill.limits, decode: decision.roles.decode.limits },
        unavailable,
      });
    });
    // Until prefill has more Ready replicas than at the first tick, and two ticks after that.
    await until(
      () => {
        const first = ticks[0]?.ready.prefill ?? Infinity;
        const grown = ticks.findIndex((t) => (t.ready.prefill ?? 0) > first);
        return grown >= 0 && ticks.length >= grown + 3 ? true : undefined;
      },
      100_000,
      'a prefill scale-up turning Ready, then two more ticks',
    );
    const measured = ticks.findIndex((t) => Roles.every((role) => !held(t.limits[role])));
    expect(measured).toBeGreaterThanOrEqual(0);
    const holds = ticks.slice(measured).filter((t) => Roles.some((role) => held(t.limits[role])));
    expect(holds).toEqual([]);
    expect(ticks.flatMap((t) => t.unavailable)).toEqual([]);
    console.log(
      `demo: ${ticks.length} ticks, prefill Ready ${[...new Set(ticks.map((t) => t.ready.prefill))].join(' -> ')}, ${holds.length} holds after the first measured tick`,
    );
  }, 120_000);
});
