// SPDX-License-Identifier: Apache-2.0
// Performance profiles: the registry of built-in profiles, and the Dynamo pre-deployment profile JSON
// (`raw_data.json`, the npz arrays as lists; data/profiles/dynamo_H200_TP1P_TP1D/README.md) ->
// ProfileData. The built-in profiles' source files ship in the package under data/profiles/; how a
// name resolves (user profiles first) is src/profiles/store.ts.
import { z } from 'zod';
import type { ProfileData } from '../decision/profile-capacity.js';
import type { DistServeSelector } from './distserve-profile.js';
import type { SplitwiseSelector } from './splitwise-profile.js';

/** Where a profile's numbers come from, for `pdscaler profiles list` and the NOTICE file. */
export interface ProfileProvenance {
  readonly source: string;
  readonly license: string;
}

/** How a built-in profile is stored: its file format, its path under data/profiles, its rows. */
export type ProfileEntry = ProfileProvenance &
  (
    | { readonly format: 'dynamo-json'; readonly path: string }
    | { readonly format: 'splitwise-csv'; readonly path: string; readonly selector: SplitwiseSelector }
    | {
        readonly format: 'distserve-json';
        readonly path: string;
        /** max_num_tokens.csv: the KV pool of each (model, TP). */
        readonly kvPath: string;
        readonly selector: DistServeSelector;
      }
  );

const dynamo: ProfileProvenance = {
  source:
    'NVIDIA Dynamo pre-deployment profiling, ai-dynamo/dynamo@dea0b201 tests/planner/profiling_results/H200_TP1P_TP1D',
  license: 'Apache-2.0',
};
const splitwise: ProfileProvenance = {
  source: 'Splitwise (Patel et al., ISCA 2024), Mutinifni/splitwise-sim@8f99e7dc data/perf_model.csv',
  license: 'MIT',
};
const distserve: ProfileProvenance = {
  source:
    'DistServe (Zhong et al., OSDI 2024), LLMServe/DistServe@82831f16 simdistserve/estimators/profile_data, DistServe engine, fitted',
  license: 'Apache-2.0',
};

const splitwiseCsv = 'splitwise_sim/perf_model.csv';
const llama2On = (hardware: string, tensorParallel: number): ProfileEntry => ({
  ...splitwise,
  format: 'splitwise-csv',
  path: splitwiseCsv,
  selector: { model: 'llama2-70b', hardware, tensorParallel },
});

const optOn = (size: '13b' | '66b', tensorParallel: number): [string, ProfileEntry] => [
  `distserve-a100-opt-${size}-tp${tensorParallel}`,
  {
    ...distserve,
    format: 'distserve-json',
    path: 'distserve_a100_80g/profiler-a100-80g.distserve.json',
    kvPath: 'distserve_a100_80g/max_num_tokens.csv',
    selector: { model: `facebook/opt-${size}`, tensorParallel },
  },
];

/**
 * Built-in profiles. `dynamo-h200-llama3.1-8b-fp8`: Dynamo's measured H200 profile, TP1 per role.
 * `splitwise-{h100,a100}-llama2-70b-tp{4,8}`: Splitwise's measured Llama-2-70B FP16 latencies on
 * DGX-H100 / DGX-A100, TP GPUs per replica in both roles, converted by splitwise-profile.ts: prefill
 * past 8,192 tokens is derived, decode past context 576 adds the KV read time, and the KV cache holds
 * floor((TP × 80 GB × 0.9 − 140 GB − TP × 4 GB) / 327,680 bytes per token) tokens (402,832 at TP4,
 * 1,232,910 at TP8). `distserve-a100-opt-{13b,66b}-tpN`: DistServe's fitted A100-80GB models for every
 * (model, TP) its JSON holds, evaluated on a grid by distserve-profile.ts up to OPT's 2,048 tokens.
 */
export const profileRegistry: Readonly<Record<string, ProfileEntry>> = {
  'dynamo-h200-llama3.1-8b-fp8': {
    ...dynamo,
    format: 'dynamo-json',
    path: 'dynamo_H200_TP1P_TP1D/raw_data.json',
  },
  'splitwise-h100-llama2-70b-tp4': llama2On('h100-80gb', 4),
  'splitwise-h100-llama2-70b-tp8': llama2On('h100-80gb', 8),
  'splitwise-a100-llama2-70b-tp4': llama2On('a100-80gb', 4),
  'splitwise-a100-llama2-70b-tp8': llama2On('a100-80gb', 8),
  ...Object.fromEntries([
    optOn('13b', 1),
    optOn('13b', 2),
    optOn('13b', 4),
    optOn('66b', 2),
    optOn('66b', 3),
    optOn('66b', 4),
    optOn('66b', 8),
  ]),
};

/** Every built-in profile, in registry order (for messages that list them). */
export const profileNames: readonly string[] = Object.keys(profileRegistry);

/**
 * Built-in profiles and their source file's path under data/profiles: a profiles directory holding a
 * file at that path overrides the shipped one (src/profiles/store.ts).
 */
export const namedProfiles: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(profileRegistry).map(([name, entry]) => [name, entry.path]),
);

const finiteList = z.array(z.number()).min(2);

const dynamoProfileSchema = z.object({
  name: z.string().min(1).optional(),
  source: z.string().optional(),
  license: z.string().optional(),
  prefill_tp: z.int().min(1).optional(),
  decode_tp: z.int().min(1).optional(),
  kv_bytes_per_token: z.number().positive().optional(),
  prefill: z.object({ prefill_isl: finiteList, prefill_ttft: finiteList, prefill_thpt_per_gpu: finiteList }),
  decode: z.object({
    x_kv_usage: finiteList,
    y_context_length: finiteList,
    z_itl: finiteList,
    max_kv_tokens: z.number().positive(),
  }),
});

/** Parses a Dynamo-format profile; returns a message naming the first problem instead of throwing. */
export function parseDynamoProfile(
  name: string,
  json: unknown,
): { ok: true; profile: ProfileData } | { ok: false; message: string } {
  const result = dynamoProfileSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    return {
      ok: false,
      message: `is not a Dynamo profile: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    };
  }
  const { prefill, decode } = result.data;
  if (
    prefill.prefill_ttft.length !== prefill.prefill_isl.length ||
    prefill.prefill_thpt_per_gpu.length !== prefill.prefill_isl.length
  ) {
    return { ok: false, message: 'is not a Dynamo profile: prefill arrays differ in length' };
  }
  if (
    decode.y_context_length.length !== decode.x_kv_usage.length ||
    decode.z_itl.length !== decode.x_kv_usage.length
  ) {
    return { ok: false, message: 'is not a Dynamo profile: decode arrays differ in length' };
  }
  const order = prefill.prefill_isl
    .map((_, i) => i)
    .sort((a, b) => (prefill.prefill_isl[a] ?? 0) - (prefill.prefill_isl[b] ?? 0));
  const pick = (values: readonly number[]): number[] => order.map((i) => values[i] ?? Number.NaN);
  return {
    ok: true,
    profile: {
      name,
      prefillTp: result.data.prefill_tp ?? 1,
      decodeTp: result.data.decode_tp ?? 1,
      ...(result.data.kv_bytes_per_token === undefined
        ? {}
        : { kvBytesPerToken: result.data.kv_bytes_per_token }),
      prefill: {
        inputTokens: pick(prefill.prefill_isl),
        ttftMs: pick(prefill.prefill_ttft),
        tokensPerSecondPerGpu: pick(prefill.prefill_thpt_per_gpu),
      },
      decode: {
        kvUsage: decode.x_kv_usage,
        contextTokens: decode.y_context_length,
        itlMs: decode.z_itl,
        maxKvTokens: decode.max_kv_tokens,
      },
    },
  };
}
