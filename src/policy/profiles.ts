// SPDX-License-Identifier: Apache-2.0
// Performance profiles: the registry of named profiles, and the Dynamo pre-deployment profile JSON
// (`raw_data.json`, the npz arrays as lists; shared/profiles/README.md §1) -> ProfileData. Named
// profiles live in a profiles directory (the project's shared/profiles checkout by default), never
// copied into this repository.
import { z } from 'zod';
import type { ProfileData } from '../decision/profile-capacity.js';
import type { SplitwiseSelector } from './splitwise-profile.js';

/** How a named profile is stored: its file format, its path under the profiles directory, its rows. */
export type ProfileEntry =
  | { readonly format: 'dynamo-json'; readonly path: string }
  | { readonly format: 'splitwise-csv'; readonly path: string; readonly selector: SplitwiseSelector };

const splitwiseCsv = 'splitwise_sim/perf_model.csv';
const llama2On = (hardware: string, tensorParallel: number): ProfileEntry => ({
  format: 'splitwise-csv',
  path: splitwiseCsv,
  selector: { model: 'llama2-70b', hardware, tensorParallel },
});

/**
 * Named profiles. `dynamo-h200-llama3.1-8b-fp8`: Dynamo's measured H200 profile (README §1), TP1 per
 * role. `splitwise-{h100,a100}-llama2-70b-tp{4,8}`: Splitwise's measured Llama-2-70B FP16 latencies
 * (README §3) on DGX-H100 / DGX-A100, TP GPUs per replica in both roles, converted by
 * splitwise-profile.ts: prefill past 8,192 tokens is derived, decode past context 576 adds the KV read
 * time, and the KV cache holds floor((TP × 80 GB × 0.9 − 140 GB − TP × 4 GB) / 327,680 bytes per token)
 * tokens (402,832 at TP4, 1,232,910 at TP8).
 */
export const profileRegistry: Readonly<Record<string, ProfileEntry>> = {
  'dynamo-h200-llama3.1-8b-fp8': { format: 'dynamo-json', path: 'dynamo_H200_TP1P_TP1D/raw_data.json' },
  'splitwise-h100-llama2-70b-tp4': llama2On('h100-80gb', 4),
  'splitwise-h100-llama2-70b-tp8': llama2On('h100-80gb', 8),
  'splitwise-a100-llama2-70b-tp4': llama2On('a100-80gb', 4),
  'splitwise-a100-llama2-70b-tp8': llama2On('a100-80gb', 8),
};

/** Every named profile, in registry order (for messages that list them). */
export const profileNames: readonly string[] = Object.keys(profileRegistry);

/** Named profiles and their path under the profiles directory (what a deployment must mount). */
export const namedProfiles: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(profileRegistry).map(([name, entry]) => [name, entry.path]),
);

const finiteList = z.array(z.number()).min(2);

const dynamoProfileSchema = z.object({
  prefill_tp: z.int().min(1).optional(),
  decode_tp: z.int().min(1).optional(),
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
