// SPDX-License-Identifier: Apache-2.0
// DistServe's fitted latency models (data/profiles/distserve_a100_80g/README.md) -> ProfileData. The
// JSON holds, per model and TP, millisecond coefficients that DistServe's simulator evaluates as
//   prefill of one batch:  t = a + b·Σlen + c·Σlen²
//   one decode step:       t = a + b·Σctx + c·batch   (the large-batch triple from the threshold up)
// (LLMServe/DistServe@82831f16 simdistserve/estimators/time_estimator.py, get_prefill_time and
// get_decode_time; Zhong et al., "DistServe", OSDI 2024, §3 models prefill and decode time the same
// way). We evaluate them on a grid in Dynamo's shape: single-prompt prefill by prompt length, decode
// ITL by (KV use, context), so the capacity model and the simulator read them like a measured profile.
import { z } from 'zod';
import type { ProfileData } from '../decision/profile-capacity.js';

/** Which entry of the JSON makes one profile: a model name as the JSON spells it, and its TP. */
export interface DistServeSelector {
  readonly model: string;
  readonly tensorParallel: number;
}

const triple = z.tuple([z.number(), z.number(), z.number()]);
const entrySchema = z.object({
  decoding_large_small_bs_threshold: z.int().min(1),
  prefill: triple,
  decoding_smallbs: triple,
  decoding_largebs: triple,
});
const fileSchema = z.record(z.string(), z.record(z.string().regex(/^[1-9][0-9]*$/), entrySchema));

/** One (model, TP) of the JSON, in milliseconds. */
export type DistServeCoefficients = z.infer<typeof entrySchema>;
export type DistServeFile = z.infer<typeof fileSchema>;

type Result<T> = ({ ok: true } & T) | { ok: false; message: string };

/** A key path as `facebook/opt-13b.1.prefill[2]`: object keys joined by dots, array indices bracketed. */
export function keyPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** Checks the JSON's shape; a problem names its key path. */
export function parseDistServeJson(json: unknown): Result<{ file: DistServeFile }> {
  const parsed = fileSchema.safeParse(json);
  if (parsed.success) return { ok: true, file: parsed.data };
  const issue = parsed.error.issues[0];
  const at = issue === undefined || issue.path.length === 0 ? '(top level)' : keyPath(issue.path);
  return { ok: false, message: `${at}: ${issue?.message ?? 'is not a DistServe profile'}` };
}

/** One row of max_num_tokens.csv: the KV-cache capacity of (model, tp, pp) in tokens. */
export interface MaxNumTokensRow {
  readonly model: string;
  readonly tp: number;
  readonly pp: number;
  readonly maxNumTokens: number;
}

const kvColumns = ['model', 'tp', 'pp', 'max_num_tokens'] as const;

function parseKvLine(line: string, lineNumber: number): Result<{ row: MaxNumTokensRow }> {
  const fields = line.split(',');
  if (fields.length !== kvColumns.length) {
    return { ok: false, message: `${lineNumber}:1: ${fields.length} fields, expected ${kvColumns.length}` };
  }
  let column = (fields[0] ?? '').length + 2;
  const counts: number[] = [];
  for (const [j, text] of fields.slice(1).entries()) {
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < 1) {
      const name = kvColumns[j + 1] ?? '';
      return {
        ok: false,
        message: `${lineNumber}:${column}: ${name} ${JSON.stringify(text)} is not a positive integer`,
      };
    }
    counts.push(value);
    column += text.length + 1;
  }
  const [tp = 0, pp = 0, maxNumTokens = 0] = counts;
  return { ok: true, row: { model: fields[0] ?? '', tp, pp, maxNumTokens } };
}

/** Strictly parses max_num_tokens.csv; the first problem as `LINE:COL: message`. */
export function parseMaxNumTokensCsv(text: string): Result<{ rows: MaxNumTokensRow[] }> {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  if (lines[0] !== kvColumns.join(',')) {
    return {
      ok: false,
      message: `1:1: header must be ${kvColumns.join(',')}, got ${JSON.stringify(lines[0])}`,
    };
  }
  const rows: MaxNumTokensRow[] = [];
  for (const [i, line] of lines.entries()) {
    if (i === 0 || line === '') continue;
    const parsed = parseKvLine(line, i + 1);
    if (!parsed.ok) return parsed;
    rows.push(parsed.row);
  }
  return rows.length === 0 ? { ok: false, message: '2:1: no rows after the header' } : { ok: true, rows };
}

/**
 * KV bytes per token = 2 (K and V) × layers × hidden × 2 bytes (FP16): OPT-13B has 40 layers of width
 * 5,120, OPT-66B 64 of 9,216 (Zhang et al. 2022, "OPT: Open Pre-trained Transformer Language Models",
 * arXiv 2205.01068, Table 1). Both have a 2,048-token context, where the fitted models stop.
 */
export const optModels: Readonly<Record<string, { kvBytesPerToken: number; maxContextTokens: number }>> = {
  'facebook/opt-13b': { kvBytesPerToken: 2 * 40 * 5120 * 2, maxContextTokens: 2048 },
  'facebook/opt-66b': { kvBytesPerToken: 2 * 64 * 9216 * 2, maxContextTokens: 2048 },
};

/** What the JSON does not say: the KV pool of a replica, and what the grid covers. */
export interface DistServeSetting {
  readonly maxKvTokens: number;
  readonly maxContextTokens: number;
  readonly kvBytesPerToken?: number;
}

const prefillShares = [1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 3 / 8, 1 / 2, 3 / 4, 1];
const contextShares = [1 / 16, 1 / 8, 1 / 4, 1 / 2, 1];
const gridBatches = [1, 2, 4, 8, 16, 32, 64, 96, 128, 192, 256, 384, 512, 768, 1024];

function stepMs(c: DistServeCoefficients, batch: number, contextTokens: number): number {
  const [a, b, k] = batch < c.decoding_large_small_bs_threshold ? c.decoding_smallbs : c.decoding_largebs;
  return a + b * batch * contextTokens + k * batch;
}

/**
 * Evaluates one (model, TP) on the grid. Prefill: one prompt of L tokens for L up to the context
 * limit, TTFT = t(L), tokens/s per GPU = L / t(L) / TP. Decode: batches of 1…1,024 sequences at five
 * context lengths up to the limit, KV use = batch × context / max KV tokens, kept while the batch
 * fits the pool; where the grid passes a full pool, a point at exactly full ends the level.
 * A fitted model that gives a non-positive time on the grid is refused by key path.
 */
export function distServeProfile(
  name: string,
  selector: DistServeSelector,
  coefficients: DistServeCoefficients,
  setting: DistServeSetting,
): Result<{ profile: ProfileData }> {
  const at = `${selector.model}.${selector.tensorParallel}`;
  const tp = selector.tensorParallel;
  const [a, b, c] = coefficients.prefill;
  const inputTokens = prefillShares.map((s) => Math.round(s * setting.maxContextTokens));
  const ttftMs = inputTokens.map((l) => a + b * l + c * l * l);
  const badPrefill = ttftMs.findIndex((t) => !(t > 0));
  if (badPrefill >= 0) {
    return {
      ok: false,
      message: `${at}.prefill: gives a non-positive time at ${inputTokens[badPrefill]} tokens`,
    };
  }
  const kvUsage: number[] = [];
  const contextTokens: number[] = [];
  const itlMs: number[] = [];
  for (const context of contextShares.map((s) => Math.round(s * setting.maxContextTokens))) {
    const fullBatch = setting.maxKvTokens / context;
    const batches = gridBatches.filter((batch) => batch <= fullBatch);
    if (fullBatch >= 1 && !batches.includes(fullBatch) && fullBatch < (gridBatches.at(-1) ?? 0)) {
      batches.push(fullBatch);
    }
    for (const batch of batches) {
      const ms = stepMs(coefficients, batch, context);
      if (!(ms > 0)) {
        return {
          ok: false,
          message: `${at}.decoding: gives a non-positive step time at batch ${batch}, context ${context}`,
        };
      }
      kvUsage.push((batch * context) / setting.maxKvTokens);
      contextTokens.push(context);
      itlMs.push(ms);
    }
  }
  if (itlMs.length < 2) {
    return { ok: false, message: `${at}: a KV pool of ${setting.maxKvTokens} tokens holds no decode batch` };
  }
  return {
    ok: true,
    profile: {
      name,
      prefillTp: tp,
      decodeTp: tp,
      ...(setting.kvBytesPerToken === undefined ? {} : { kvBytesPerToken: setting.kvBytesPerToken }),
      prefill: {
        inputTokens,
        ttftMs,
        tokensPerSecondPerGpu: inputTokens.map((l, i) => l / ((ttftMs[i] ?? 1) / 1000) / tp),
      },
      decode: { kvUsage, contextTokens, itlMs, maxKvTokens: setting.maxKvTokens },
    },
  };
}

/** The selector's coefficients in a parsed file, or what is missing. */
export function selectDistServe(
  file: DistServeFile,
  selector: DistServeSelector,
): Result<{ coefficients: DistServeCoefficients }> {
  const byTp = file[selector.model];
  if (byTp === undefined) {
    return {
      ok: false,
      message: `has no model ${JSON.stringify(selector.model)} (has: ${Object.keys(file).join(', ')})`,
    };
  }
  const coefficients = byTp[String(selector.tensorParallel)];
  if (coefficients === undefined) {
    return {
      ok: false,
      message: `has no TP ${selector.tensorParallel} for ${selector.model} (has: ${Object.keys(byTp).join(', ')})`,
    };
  }
  return { ok: true, coefficients };
}

/** The KV capacity of (model, TP) without pipeline parallelism, from max_num_tokens.csv rows. */
export function maxKvTokensOf(
  rows: readonly MaxNumTokensRow[],
  selector: DistServeSelector,
): number | undefined {
  return rows.find((r) => r.model === selector.model && r.tp === selector.tensorParallel && r.pp === 1)
    ?.maxNumTokens;
}
