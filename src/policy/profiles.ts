// SPDX-License-Identifier: Apache-2.0
// Performance profiles: the Dynamo pre-deployment profile JSON (`raw_data.json`, the npz arrays as
// lists; shared/profiles/README.md) -> ProfileData. Named profiles live in a profiles directory (the
// project's shared/profiles checkout by default), never copied into this repository.
import { z } from 'zod';
import type { ProfileData } from '../decision/profile-capacity.js';

/** Named profiles and their path under the profiles directory. */
export const namedProfiles: Readonly<Record<string, string>> = {
  'dynamo-h200-llama3.1-8b-fp8': 'dynamo_H200_TP1P_TP1D/raw_data.json',
};

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
