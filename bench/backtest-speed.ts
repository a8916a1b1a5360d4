// SPDX-License-Identifier: Apache-2.0
// Backtest speed: one hour of the Mooncake conversation trace with all five systems in
// <= 10 s wall on the 2-core machine. The baseline, run in the same process, is the same trace
// replayed through the fleet alone (static-peak only: no metrics read, no decisions), so the ratio
// is what the metrics path and the four scaling systems cost on top of bare simulation.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadPolicyFile, readNamedProfile } from '../src/policy/load.js';
import { defaultSimParameters, runBacktest, type BacktestInput } from '../src/sim/backtest.js';
import { dynamoFleetProfile } from '../src/sim/fleet/latency-model.js';
import { SystemNames, type SystemName } from '../src/sim/result.js';
import { loadTrace } from '../src/sim/trace/load.js';

const root = new URL('../../', import.meta.url);
const tracePath = fileURLToPath(new URL('data/traces/mooncake_conversation_trace.jsonl', root));
const policyPath = fileURLToPath(new URL('policies/long-context-h200.yaml', root));
const profileName = 'dynamo-h200-llama3.1-8b-fp8';
const targetWallS = 10;

type Setup = Omit<BacktestInput, 'systems'>;

async function setup(): Promise<{ input: Setup; loadS: number }> {
  const start = performance.now();
  const policy = loadPolicyFile(policyPath);
  if (!policy.ok) throw new Error(`${policyPath} invalid: ${policy.issues[0]?.message ?? ''}`);
  const profile = readNamedProfile(profileName);
  if (!profile.ok) throw new Error(profile.message);
  const trace = await loadTrace(tracePath);
  const { spec } = policy;
  const input: Setup = {
    policy: { name: `${spec.namespace}/${spec.name}`, file: policyPath, spec },
    profile: dynamoFleetProfile(profile.profile),
    trace,
    sim: { ...defaultSimParameters, modelName: policy.metrics.model ?? defaultSimParameters.modelName },
  };
  return { input, loadS: (performance.now() - start) / 1000 };
}

async function wallSeconds(input: Setup, systems: readonly SystemName[]): Promise<number> {
  const start = performance.now();
  const data = await runBacktest({ ...input, systems });
  const seconds = (performance.now() - start) / 1000;
  if (data.summary.results.length !== systems.length) throw new Error('backtest dropped a system');
  return seconds;
}

export async function benchBacktestSpeed(): Promise<void> {
  const { input, loadS } = await setup();
  const { trace } = input;
  // All five first, as `pdscaler backtest` would run them; then the baseline (its fleet code warm),
  // then the oracle plan alone: every backtest plans it once, static-peak takes its size from it.
  const ours = await wallSeconds(input, SystemNames);
  const baseline = await wallSeconds(input, ['static-peak']);
  const planOnly = await wallSeconds(input, []);
  const rate = (trace.durationS * SystemNames.length) / ours;
  const baselineRate = trace.durationS / baseline;
  const minutes = (trace.durationS / 60).toFixed(1);
  console.log(
    `backtest: ${trace.name}, ${trace.requests.length.toLocaleString('en-US')} requests over ${minutes} min (loaded in ${loadS.toFixed(2)} s, not timed):`,
  );
  console.log(
    `  all ${SystemNames.length} systems        ${ours.toFixed(2).padStart(6)} s wall  ${Math.round(rate).toLocaleString('en-US').padStart(6)} simulated s per wall s (${SystemNames.length} x ${minutes} min)`,
  );
  console.log(
    `  baseline static-peak ${baseline.toFixed(2).padStart(6)} s wall  ${Math.round(baselineRate).toLocaleString('en-US').padStart(6)} simulated s per wall s (fleet alone, no metrics)`,
  );
  console.log(
    `  ratio ${(ours / baseline).toFixed(2)}x the baseline's wall; both include the oracle plan once (${planOnly.toFixed(2)} s alone)`,
  );
  console.log(
    `  target <= ${targetWallS} s for all ${SystemNames.length}: ${ours <= targetWallS ? 'met' : 'MISSED'} (${(ours / targetWallS).toFixed(2)}x target)`,
  );
}
