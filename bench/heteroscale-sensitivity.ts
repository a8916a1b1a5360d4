// SPDX-License-Identifier: Apache-2.0
// `npm run backtests:sensitivity`: how much the HeteroScale baseline's results depend on the constants
// the paper leaves unstated (docs/reference.md §F.1.4: targets, dead bands, cooldowns, damping and
// breach tiers). Each constant is varied alone around the default on every case of the documented
// matrix, and the table in docs/backtests.md is rewritten. The target-utilization rows also give
// HeteroScale's cost at pdscaler's attainment, the fair comparison when the two trade differently.
import { fileURLToPath } from 'node:url';
import type { ProfileData } from '../src/decision/profile-capacity.js';
import { loadPolicyFile, readNamedProfile } from '../src/policy/load.js';
import { defaultSimParameters, heteroScaleOptions, prepareBacktest } from '../src/sim/backtest.js';
import { dynamoFleetProfile } from '../src/sim/fleet/latency-model.js';
import type { SystemResult } from '../src/sim/result.js';
import {
  HeteroScale,
  heteroScaleDefaults,
  type HeteroScaleConstants,
} from '../src/sim/systems/heteroscale.js';
import { PdscalerSystem } from '../src/sim/systems/pdscaler.js';
import { loadTrace } from '../src/sim/trace/load.js';
import { applyTransforms, parseTransformSpec } from '../src/sim/trace/transform-spec.js';
import { caseLabel, cases, root, traces, type Case } from './backtest-cases.js';
import { rewriteSections } from '../src/sim/suite/doc-markers.js';

/** One variation: a constant and the values tried (the default is always among them). */
const variations: readonly { key: keyof HeteroScaleConstants; values: readonly (number | boolean)[] }[] = [
  { key: 'targetUtilization', values: [0.5, 0.6, 0.7, 0.8, 0.9, 1] },
  { key: 'scaleOutThreshold', values: [0.05, 0.1, 0.2] },
  { key: 'scaleInThreshold', values: [0.05, 0.1, 0.2] },
  { key: 'scaleOutCooldownS', values: [60, 180, 600] },
  { key: 'scaleInCooldownS', values: [300, 600, 1200] },
  { key: 'damping', values: [0.5, 1] },
  { key: 'severeBreachFactor', values: [1.1, 1.2, 1.5] },
  { key: 'ttftGuard', values: [false, true] },
];

const profileName = 'dynamo-h200-llama3.1-8b-fp8';

async function prepare(c: Case): Promise<Parameters<typeof prepareBacktest>[0]> {
  const file = fileURLToPath(new URL(c.policy, root));
  const policy = loadPolicyFile(file, {});
  if (!policy.ok) throw new Error(`${c.policy}: invalid policy`);
  const profile = readNamedProfile(profileName, {});
  if (!profile.ok) throw new Error(profile.message);
  const steps = c.transforms.map((t) => {
    const parsed = parseTransformSpec(t);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.step;
  });
  const trace = await applyTransforms(await loadTrace(traces + c.trace), steps);
  return {
    policy: { name: policy.spec.name, file, spec: policy.spec },
    profile: dynamoFleetProfile(profile.profile satisfies ProfileData),
    trace,
    sim: { ...defaultSimParameters, modelName: policy.metrics.model ?? defaultSimParameters.modelName },
  };
}

const cell = (r: SystemResult): string =>
  `${(r.sloAttainment.both * 100).toFixed(2)}% / ${Math.round(r.goodputPerGpuHour)}`;

async function main(): Promise<void> {
  const header = `| constant | value | ${cases.map(caseLabel).join(' | ')} |`;
  const rule = `| --- | --- | ${cases.map(() => '---:').join(' | ')} |`;
  const rows = new Map<string, string[]>();
  const ours: string[] = [];
  for (const c of cases) {
    const started = performance.now();
    const input = await prepare(c);
    const prepared = prepareBacktest(input);
    ours.push(cell((await prepared.runOne(new PdscalerSystem(input.policy.spec), 'pdscaler')).result));
    for (const { key, values } of variations) {
      for (const value of values) {
        const constants = { [key]: value } as Partial<HeteroScaleConstants>;
        const system = new HeteroScale({ ...heteroScaleOptions(input), constants });
        const run = await prepared.runOne(system, 'heteroscale');
        const label = `| \`${key}\` | ${String(value)}${heteroScaleDefaults[key] === value ? ' (default)' : ''} |`;
        rows.set(label, [...(rows.get(label) ?? []), cell(run.result)]);
      }
    }
    process.stderr.write(`${caseLabel(c)}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const lines = [
    header,
    rule,
    `| pdscaler (reference) | policy | ${ours.join(' | ')} |`,
    ...[...rows].map(([label, cells]) => `${label} ${cells.join(' | ')} |`),
  ];
  rewriteSections(new URL('docs/backtests.md', root), { 'heteroscale-sensitivity': lines });
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
