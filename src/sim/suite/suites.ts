// SPDX-License-Identifier: Apache-2.0
// The named evaluation suites (`pdscaler backtest --suite NAME`). `standard` is the
// matrix the targets are judged on, in two halves:
//
// - recorded traces: both shared traces on the 8B H200 profile as recorded and day-shaped at 10x and
//   30x, and on the 70B H100 TP4 profile as recorded and day-shaped at 3x (docs/reference.md §G
//   §1 and §4: native rates give tiny 8B fleets), at a 120 s cold start; the two 10x day loads also at
//   60 and 300 s (the eval policies measure their cold start, `coldStart: auto`, so one load per trace
//   at three cold starts shows its effect); plus one case bound by a GPU budget and one by a P/D
//   ratio band;
// - synthetic families (src/sim/trace/synth/), generated in process from a seed: on/off bursts, a day
//   with noise, a flash crowd, a fast day, heavy-tailed prompts and a prompt-length shift, shorter
//   than the recorded cases (15-40 minutes) so that the whole suite runs in minutes on two cores.
//
// Every case says whether its family is one defaults may be chosen on (`tuning`: the recorded traces,
// mmpp and diurnal-noise) or is only reported (`held-out`: flash-crowd, fast-day, heavy-tail,
// prompt-shift), so a default is always checked on traffic it was not chosen on. `smoke` is three
// ten-minute slices of the recorded traces and one short synthetic case, for tests.
import type { CaseSplit, Suite, SuiteCase } from './cases.js';

const traces = {
  mooncake: { file: 'mooncake_conversation_trace.jsonl', label: 'Mooncake', family: 'mooncake' },
  azureCode: { file: 'AzureLLMInferenceTrace_code.csv', label: 'Azure code', family: 'azure-code' },
} as const;

interface Model {
  readonly key: string;
  readonly label: string;
  readonly profile: string;
}

const model8b: Model = { key: '8b', label: '8B', profile: 'dynamo-h200-llama3.1-8b-fp8' };
const model70b: Model = { key: '70b-tp4', label: '70B TP4', profile: 'splitwise-h100-llama2-70b-tp4' };

interface Workload {
  readonly trace: (typeof traces)[keyof typeof traces];
  readonly model: Model;
  readonly policy: string;
  /** Transform lists, each a load level of the matrix. */
  readonly loads: readonly (readonly string[])[];
}

const asRecorded: readonly string[] = [];
const day = (rate: number): readonly string[] => ['day:1h', `scale:${rate}`];

const mooncake8b: Workload = {
  trace: traces.mooncake,
  model: model8b,
  policy: 'policies/eval/mooncake-8b-h200.yaml',
  loads: [asRecorded, day(10), day(30)],
};
const azureCode8b: Workload = {
  trace: traces.azureCode,
  model: model8b,
  policy: 'policies/eval/azure-code-8b-h200.yaml',
  loads: [asRecorded, day(10), day(30)],
};
const mooncake70b: Workload = {
  trace: traces.mooncake,
  model: model70b,
  policy: 'policies/eval/mooncake-70b-h100-tp4.yaml',
  loads: [asRecorded, day(3)],
};
const azureCode70b: Workload = {
  trace: traces.azureCode,
  model: model70b,
  policy: 'policies/eval/azure-code-70b-h100-tp4.yaml',
  loads: [asRecorded, day(3)],
};
const workloads: readonly Workload[] = [mooncake8b, azureCode8b, mooncake70b, azureCode70b];

/** `1x`, or `day-x10` for `day:1h scale:10`, `slice-10m` for `slice:0s-10m`. */
function loadKey(transforms: readonly string[]): string {
  if (transforms.length === 0) return '1x';
  return transforms
    .map((t) =>
      t
        .replace(/^day:.*$/, 'day')
        .replace(/^scale:/, 'x')
        .replace(/^slice:0s-/, 'slice-'),
    )
    .join('-');
}

const bothRoles = (coldStartS: number) => ({ prefill: coldStartS, decode: coldStartS });

function recordedCase(workload: Workload, transforms: readonly string[], coldStartS: number): SuiteCase {
  const load = transforms.length === 0 ? '1x' : transforms.join(' ');
  const { trace, model } = workload;
  return {
    id: `${trace.family}-${model.key}-${loadKey(transforms)}-cs${coldStartS}`,
    label: `${trace.label} ${model.label} ${load}, cold start ${coldStartS} s`,
    policy: workload.policy,
    trace: trace.file,
    family: trace.family,
    split: 'tuning',
    transforms,
    profile: model.profile,
    coldStartS: bothRoles(coldStartS),
  };
}

/** The policy a synthetic case runs: the long-context ones (TTFT 2 s on 8B, 10 s on 70B TP4). */
const synthPolicies: Readonly<Record<string, string>> = {
  [model8b.key]: 'policies/eval/mooncake-8b-h200.yaml',
  [model70b.key]: 'policies/eval/mooncake-70b-h100-tp4.yaml',
};

interface SynthCase {
  readonly family: string;
  readonly split: CaseSplit;
  readonly model: Model;
  /** Peak request rate, req/s: sized so the oracle's peak fleet is of a production size. */
  readonly ratePerS: number;
  readonly seed: number;
  readonly coldStartS: number;
}

function synthCase(s: SynthCase): SuiteCase {
  return {
    id: `${s.family}-${s.model.key}-cs${s.coldStartS}`,
    label: `${s.family} ${s.model.label} peak ${s.ratePerS} req/s seed ${s.seed}, cold start ${s.coldStartS} s`,
    policy: synthPolicies[s.model.key] ?? '',
    trace: `synth:${s.family}?seed=${s.seed}&rate=${s.ratePerS}`,
    family: s.family,
    split: s.split,
    transforms: [],
    profile: s.model.profile,
    coldStartS: bothRoles(s.coldStartS),
  };
}

/**
 * The synthetic half: every family on both models, at its default duration and length mix
 * (src/sim/trace/synth/). Peak rates are sized so the oracle needs a production-size fleet: on 8B,
 * Poisson arrivals of Mooncake-like prompts (mean 12k tokens) take about 2 req/s per prefill replica
 * at a 2 s TTFT, so 24-30 req/s peaks need 15-25 replicas in all; heavy-tail's conversation prompts
 * (mean ~3k with the tail) take 60 req/s for about 10. On 70B TP4 (10 s TTFT), 3-8 req/s need 10-20
 * replicas of 4 GPUs. Cold starts vary so each family is seen at two; mmpp, the burstiest tuning
 * family, also at a second seed.
 */
const syntheticCases: readonly SynthCase[] = [
  { family: 'mmpp', split: 'tuning', model: model8b, ratePerS: 24, seed: 16, coldStartS: 120 },
  { family: 'mmpp', split: 'tuning', model: model8b, ratePerS: 24, seed: 17, coldStartS: 60 },
  { family: 'mmpp', split: 'tuning', model: model70b, ratePerS: 4, seed: 16, coldStartS: 300 },
  { family: 'diurnal-noise', split: 'tuning', model: model8b, ratePerS: 24, seed: 16, coldStartS: 60 },
  { family: 'diurnal-noise', split: 'tuning', model: model70b, ratePerS: 4, seed: 16, coldStartS: 120 },
  { family: 'flash-crowd', split: 'held-out', model: model8b, ratePerS: 30, seed: 16, coldStartS: 120 },
  { family: 'flash-crowd', split: 'held-out', model: model70b, ratePerS: 5, seed: 16, coldStartS: 300 },
  { family: 'fast-day', split: 'held-out', model: model8b, ratePerS: 30, seed: 16, coldStartS: 60 },
  { family: 'fast-day', split: 'held-out', model: model70b, ratePerS: 4, seed: 16, coldStartS: 120 },
  { family: 'heavy-tail', split: 'held-out', model: model8b, ratePerS: 60, seed: 16, coldStartS: 120 },
  { family: 'heavy-tail', split: 'held-out', model: model70b, ratePerS: 8, seed: 16, coldStartS: 60 },
  { family: 'prompt-shift', split: 'held-out', model: model8b, ratePerS: 20, seed: 16, coldStartS: 300 },
  { family: 'prompt-shift', split: 'held-out', model: model70b, ratePerS: 3, seed: 16, coldStartS: 120 },
];

/**
 * The bound cases. Budget: 0.85 x the oracle's peak GPUs, below what the load needs at its peak, so
 * every system must share a short budget between the roles. Ratio: Azure code's prefill need swings
 * from 1-2 to 15+ replicas against 1-2 decode, so a band of [0.5, 1] x the oracle's median GPU ratio
 * is left by the unconstrained oracle for much of the day.
 */
const boundCases: readonly SuiteCase[] = [
  {
    ...recordedCase(mooncake8b, day(10), 120),
    id: 'mooncake-8b-day-x10-cs120-budget',
    label: 'Mooncake 8B day:1h scale:10, cold start 120 s, GPU budget 0.85x the oracle peak',
    overrides: { gpuBudgetOfOraclePeak: 0.85 },
  },
  {
    ...recordedCase(azureCode8b, day(10), 120),
    id: 'azure-code-8b-day-x10-cs120-ratio',
    label: 'Azure code 8B day:1h scale:10, cold start 120 s, ratio band [0.5, 1]x the oracle median',
    overrides: { ratioBandOfOracleMedian: { min: 0.5, max: 1 } },
  },
];

const standard: Suite = {
  name: 'standard',
  description:
    'both shared traces on the 8B H200 profile (1x, day:1h at 10x and 30x) and the 70B H100 TP4 profile ' +
    '(1x, day:1h at 3x) at 120 s cold start, the 10x day loads also at 60 and 300 s, a GPU-budget-bound ' +
    'and a ratio-band-bound case, and eight synthetic cases of six workload families; every system',
  cases: [
    ...workloads.flatMap((w) => w.loads.map((transforms) => recordedCase(w, transforms, 120))),
    ...[60, 300].flatMap((coldStartS) => [
      recordedCase(mooncake8b, day(10), coldStartS),
      recordedCase(azureCode8b, day(10), coldStartS),
    ]),
    ...boundCases,
    ...syntheticCases.map(synthCase),
  ],
};

const tenMinutes = ['slice:0s-10m'];

const smoke: Suite = {
  name: 'smoke',
  description:
    'the first 10 minutes of each shared trace as recorded on the 8B profile, one GPU-budget-bound case ' +
    'and ten minutes of on/off bursts; for tests',
  cases: [
    recordedCase(mooncake8b, tenMinutes, 120),
    recordedCase(azureCode8b, tenMinutes, 60),
    {
      ...recordedCase(azureCode8b, tenMinutes, 120),
      id: 'azure-code-8b-slice-10m-cs120-budget',
      label: 'Azure code 8B slice:0s-10m, cold start 120 s, GPU budget 0.85x the oracle peak',
      overrides: { gpuBudgetOfOraclePeak: 0.85 },
    },
    {
      ...synthCase({
        family: 'mmpp',
        split: 'tuning',
        model: model8b,
        ratePerS: 8,
        seed: 16,
        coldStartS: 60,
      }),
      id: 'mmpp-8b-10m-cs60',
      label: 'mmpp 8B peak 8 req/s seed 16, 10 minutes, cold start 60 s',
      trace: 'synth:mmpp?seed=16&rate=8&duration=10m',
    },
  ],
};

export const suites: readonly Suite[] = [standard, smoke];

/** The suite called `name`, or undefined. */
export function findSuite(name: string): Suite | undefined {
  return suites.find((s) => s.name === name);
}
