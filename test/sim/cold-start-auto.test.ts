// SPDX-License-Identifier: Apache-2.0
// `coldStart: auto` in the simulator: pdscaler measures the fleet's starts with the loop's tracker and
// forecasts over them, so its horizon converges from the policy's prior to the simulated cold start.
import { describe, expect, it } from 'vitest';
import type { DecisionSpec, Role } from '../../src/decision/types.js';
import { Fleet } from '../../src/sim/fleet/fleet.js';
import { FleetMetricsReader } from '../../src/sim/metrics-reader.js';
import { PdscalerSystem } from '../../src/sim/systems/pdscaler.js';
import { Roles } from '../../src/decision/types.js';
import { makeSpec } from '../helpers/spec.js';
import { evenlyPaced, fleetOptions, modelName } from './helpers.js';

const simulatedColdStartS = 240;
const priorS = 120;
const stepS = 15;

/** Demand rising in three steps, each needing more prefill replicas (10,000 prompt tokens/s each). */
const trace = [10, 20, 30].flatMap((ratePerS, i) =>
  evenlyPaced({ ratePerS, durationS: 400, inputTokens: [2000], outputTokens: 20, fromS: i * 400 }),
);

interface Run {
  /** The prefill horizon of each tick's decision, seconds. */
  readonly horizonsS: number[];
  readonly startsSeen: number;
}

/** Runs the trace as the backtest does, passing the fleet's replica starts to pdscaler every tick. */
async function run(spec: DecisionSpec): Promise<Run> {
  const fleet = new Fleet(
    fleetOptions({ coldStartS: { prefill: simulatedColdStartS, decode: simulatedColdStartS } }),
    trace,
  );
  const reader = new FleetMetricsReader(fleet, modelName);
  const system = new PdscalerSystem(spec, stepS);
  const horizonsS: number[] = [];
  for (let tS = 0; tS <= 1200; tS += stepS) {
    fleet.runUntil(tS * 1000);
    const view = (role: Role) => fleet.view(role);
    const desired = system.tick({
      nowMs: fleet.nowMs,
      fleet: { prefill: view('prefill'), decode: view('decode') },
      metrics: await reader.read(),
      replicaStarts: { prefill: fleet.replicaStarts('prefill'), decode: fleet.replicaStarts('decode') },
    });
    for (const role of Roles) fleet.setDesired(role, desired[role]);
    horizonsS.push(system.lastDecision!.roles.prefill.inputs.horizonS);
  }
  return { horizonsS, startsSeen: fleet.replicaStarts('prefill').length };
}

const policy = (coldStartAuto: boolean): DecisionSpec =>
  makeSpec({
    roles: {
      prefill: { coldStartS: priorS, coldStartAuto, maxReplicas: 8 },
      decode: { coldStartS: priorS, coldStartAuto, maxReplicas: 8 },
    },
    forecast: { method: 'holt', horizonS: { prefill: priorS, decode: priorS } },
  });

describe('coldStart: auto in the simulator', () => {
  it('forecasts over the prior until a replica started, then over the simulated cold start', async () => {
    const { horizonsS, startsSeen } = await run(policy(true));
    expect(startsSeen).toBeGreaterThanOrEqual(3);
    expect(horizonsS[0]).toBe(priorS);
    // Every start takes exactly the simulated time, so the p90 is it, to the millisecond.
    expect(horizonsS.at(-1)).toBe(simulatedColdStartS);
    // Converged once and stays: no tick after the first measured start goes back to the prior.
    const first = horizonsS.indexOf(simulatedColdStartS);
    expect(first).toBeGreaterThan(0);
    expect(horizonsS.slice(first).every((h) => h === simulatedColdStartS)).toBe(true);
  });

  it('keeps the policy horizon with a fixed cold start, whatever the fleet measures', async () => {
    const { horizonsS, startsSeen } = await run(policy(false));
    expect(startsSeen).toBeGreaterThanOrEqual(3);
    expect(new Set(horizonsS)).toEqual(new Set([priorS]));
  });
});
