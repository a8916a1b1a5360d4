// SPDX-License-Identifier: Apache-2.0
// The named evaluation suites (`pdscaler backtest --suite NAME`, issue 9). `standard` is the matrix
// the targets are judged on: both shared traces on the 8B H200 profile as recorded and day-shaped at
// 10x and 30x, and on the 70B H100 TP4 profile as recorded and day-shaped at 3x (docs/reference.md §G
// §1 and §4: native rates give tiny 8B fleets), each at 60, 120 and 300 s cold start; plus one case
// bound by a GPU budget and one by a P/D ratio band. `smoke` is three ten-minute slices for tests.
import type { Suite, SuiteCase } from './cases.js';

const traces = {
  mooncake: { file: 'mooncake_conversation_trace.jsonl', label: 'Mooncake' },
  azureCode: { file: 'AzureLLMInferenceTrace_code.csv', label: 'Azure code' },
} as const;

interface Workload {
  /** Id prefix, e.g. `mooncake-8b`. */
  readonly key: string;
  readonly trace: (typeof traces)[keyof typeof traces];
  readonly modelLabel: string;
  readonly policy: string;
  readonly profile: string;
  /** Transform lists, each a load level of the matrix. */
  readonly loads: readonly (readonly string[])[];
}

const profile8b = 'dynamo-h200-llama3.1-8b-fp8';
const profile70b = 'splitwise-h100-llama2-70b-tp4';
const asRecorded: readonly string[] = [];
const day = (rate: number): readonly string[] => ['day:1h', `scale:${rate}`];

const workloads: readonly Workload[] = [
  {
    key: 'mooncake-8b',
    trace: traces.mooncake,
    modelLabel: '8B',
    policy: 'policies/eval/mooncake-8b-h200.yaml',
    profile: profile8b,
    loads: [asRecorded, day(10), day(30)],
  },
  {
    key: 'azure-code-8b',
    trace: traces.azureCode,
    modelLabel: '8B',
    policy: 'policies/eval/azure-code-8b-h200.yaml',
    profile: profile8b,
    loads: [asRecorded, day(10), day(30)],
  },
  {
    key: 'mooncake-70b-tp4',
    trace: traces.mooncake,
    modelLabel: '70B TP4',
    policy: 'policies/eval/mooncake-70b-h100-tp4.yaml',
    profile: profile70b,
    loads: [asRecorded, day(3)],
  },
  {
    key: 'azure-code-70b-tp4',
    trace: traces.azureCode,
    modelLabel: '70B TP4',
    policy: 'policies/eval/azure-code-70b-h100-tp4.yaml',
    profile: profile70b,
    loads: [asRecorded, day(3)],
  },
];

const coldStartsS = [60, 120, 300] as const;

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

function caseOf(workload: Workload, transforms: readonly string[], coldStartS: number): SuiteCase {
  const load = transforms.length === 0 ? '1x' : transforms.join(' ');
  return {
    id: `${workload.key}-${loadKey(transforms)}-cs${coldStartS}`,
    label: `${workload.trace.label} ${workload.modelLabel} ${load}, cold start ${coldStartS} s`,
    policy: workload.policy,
    trace: workload.trace.file,
    transforms,
    profile: workload.profile,
    coldStartS: { prefill: coldStartS, decode: coldStartS },
  };
}

function workload(key: string): Workload {
  const found = workloads.find((w) => w.key === key);
  if (found === undefined) throw new Error(`no workload ${key}`);
  return found;
}

/**
 * The bound cases. Budget: 0.85 x the oracle's peak GPUs, below what the load needs at its peak, so
 * every system must share a short budget between the roles. Ratio: Azure code's prefill need swings
 * from 1-2 to 15+ replicas against 1-2 decode, so a band of [0.5, 1] x the oracle's median GPU ratio
 * is left by the unconstrained oracle for much of the day.
 */
const boundCases: readonly SuiteCase[] = [
  {
    ...caseOf(workload('mooncake-8b'), day(10), 120),
    id: 'mooncake-8b-day-x10-cs120-budget',
    label: 'Mooncake 8B day:1h scale:10, cold start 120 s, GPU budget 0.85x the oracle peak',
    overrides: { gpuBudgetOfOraclePeak: 0.85 },
  },
  {
    ...caseOf(workload('azure-code-8b'), day(10), 120),
    id: 'azure-code-8b-day-x10-cs120-ratio',
    label: 'Azure code 8B day:1h scale:10, cold start 120 s, ratio band [0.5, 1]x the oracle median',
    overrides: { ratioBandOfOracleMedian: { min: 0.5, max: 1 } },
  },
];

const standard: Suite = {
  name: 'standard',
  description:
    'both shared traces on the 8B H200 profile (1x, day:1h at 10x and 30x) and the 70B H100 TP4 profile ' +
    '(1x, day:1h at 3x), each at 60, 120 and 300 s cold start, plus a GPU-budget-bound and a ' +
    'ratio-band-bound case; every system',
  cases: [
    ...coldStartsS.flatMap((coldStartS) =>
      workloads.flatMap((w) => w.loads.map((transforms) => caseOf(w, transforms, coldStartS))),
    ),
    ...boundCases,
  ],
};

const tenMinutes = ['slice:0s-10m'];

const smoke: Suite = {
  name: 'smoke',
  description:
    'the first 10 minutes of each shared trace as recorded on the 8B profile, and one GPU-budget-bound ' +
    'case; for tests',
  cases: [
    caseOf(workload('mooncake-8b'), tenMinutes, 120),
    caseOf(workload('azure-code-8b'), tenMinutes, 60),
    {
      ...caseOf(workload('azure-code-8b'), tenMinutes, 120),
      id: 'azure-code-8b-slice-10m-cs120-budget',
      label: 'Azure code 8B slice:0s-10m, cold start 120 s, GPU budget 0.85x the oracle peak',
      overrides: { gpuBudgetOfOraclePeak: 0.85 },
    },
  ],
};

export const suites: readonly Suite[] = [standard, smoke];

/** The suite called `name`, or undefined. */
export function findSuite(name: string): Suite | undefined {
  return suites.find((s) => s.name === name);
}
