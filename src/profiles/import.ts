// SPDX-License-Identifier: Apache-2.0
// `pdscaler profiles import`: a published profiling format -> one profile file in the Dynamo JSON
// shape (data/profiles/dynamo_H200_TP1P_TP1D/raw_data.json's keys plus name, source and license), the
// file a policy names through `capacity.profileFile` and a profiles directory lists as NAME.json.
// Formats: a Dynamo pre-deployment profiling results folder (its two raw_data.npz files), Splitwise
// perf_model.csv rows (model, hardware, TP), DistServe fitted-coefficient JSON (model, TP). A bad input
// is refused with FILE:LINE:COL (CSV, JSON syntax) or FILE: key.path (JSON shape), and nothing written.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ProfileData } from '../decision/profile-capacity.js';
import {
  distServeProfile,
  maxKvTokensOf,
  optModels,
  parseDistServeJson,
  parseMaxNumTokensCsv,
  selectDistServe,
} from '../policy/distserve-profile.js';
import { parseDynamoProfile } from '../policy/profiles.js';
import { parseSplitwiseCsv, splitwiseProfile } from '../policy/splitwise-profile.js';
import { jsonErrorOffset } from './json-error-offset.js';
import { readNpz } from './npz.js';

export const importFormats = ['dynamo', 'splitwise', 'distserve'] as const;
export type ImportFormat = (typeof importFormats)[number];

export interface ImportRequest {
  readonly format: ImportFormat;
  /** The results folder (dynamo) or the file (splitwise, distserve). */
  readonly input: string;
  readonly name: string;
  readonly model?: string;
  readonly hardware?: string;
  readonly tensorParallel?: number;
  readonly prefillTp?: number;
  readonly decodeTp?: number;
  readonly maxKvTokens?: number;
  readonly maxContextTokens?: number;
  readonly kvBytesPerToken?: number;
  readonly source?: string;
  readonly license?: string;
}

/** The profile file: what parseDynamoProfile reads, with where the numbers came from. */
export interface ProfileDocument {
  readonly name: string;
  readonly source: string;
  readonly license: string;
  readonly prefill_tp: number;
  readonly decode_tp: number;
  readonly kv_bytes_per_token?: number;
  readonly prefill: {
    readonly prefill_isl: readonly number[];
    readonly prefill_ttft: readonly number[];
    readonly prefill_thpt_per_gpu: readonly number[];
  };
  readonly decode: {
    readonly x_kv_usage: readonly number[];
    readonly y_context_length: readonly number[];
    readonly z_itl: readonly number[];
    readonly max_kv_tokens: number;
  };
}

type Result<T> = ({ ok: true } & T) | { ok: false; message: string };
type Imported = Result<{ profile: ProfileData }>;

function readInput(path: string): Result<{ bytes: Buffer }> {
  try {
    return { ok: true, bytes: readFileSync(path) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      message:
        code === 'ENOENT'
          ? `${path}: does not exist`
          : `${path}: cannot be read: ${(error as Error).message}`,
    };
  }
}

/** JSON.parse with a syntax error placed as FILE:LINE:COL. */
export function parseJsonAt(path: string, text: string): Result<{ json: unknown }> {
  try {
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? '';
    const offset = jsonErrorOffset(text);
    const before = text.slice(0, offset).split('\n');
    return { ok: false, message: `${path}:${before.length}:${(before.at(-1)?.length ?? 0) + 1}: ${message}` };
  }
}

function required<T>(value: T | undefined, flag: string, format: ImportFormat): Result<{ value: T }> {
  return value === undefined
    ? { ok: false, message: `--format ${format} needs ${flag}` }
    : { ok: true, value };
}

/** TPs from flags, else from a Dynamo results folder named like H200_TP1P_TP1D. */
function dynamoTps(request: ImportRequest): Result<{ prefill: number; decode: number }> {
  const named = /TP(\d+)P_TP(\d+)D/.exec(basename(resolve(request.input)));
  const prefill = request.prefillTp ?? (named === null ? undefined : Number(named[1]));
  const decode = request.decodeTp ?? (named === null ? undefined : Number(named[2]));
  if (prefill === undefined || decode === undefined) {
    return {
      ok: false,
      message: `--format dynamo needs --prefill-tp and --decode-tp (the folder name does not say)`,
    };
  }
  return { ok: true, prefill, decode };
}

const dynamoArrays = {
  prefill: ['prefill_isl', 'prefill_ttft', 'prefill_thpt_per_gpu'],
  decode: ['x_kv_usage', 'y_context_length', 'z_itl', 'max_kv_tokens'],
} as const;

function importDynamo(request: ImportRequest): Imported {
  const tps = dynamoTps(request);
  if (!tps.ok) return tps;
  const sections: Record<string, Record<string, number[] | number>> = {};
  for (const role of ['prefill', 'decode'] as const) {
    const path = join(request.input, `selected_${role}_interpolation`, 'raw_data.npz');
    const read = readInput(path);
    if (!read.ok) return read;
    const npz = readNpz(read.bytes);
    if (!npz.ok) return { ok: false, message: `${path}: ${npz.message}` };
    const section: Record<string, number[] | number> = {};
    for (const key of dynamoArrays[role]) {
      const values = npz.arrays.get(key);
      if (values === undefined) return { ok: false, message: `${path}: has no array ${key}` };
      section[key] = key === 'max_kv_tokens' ? (values[0] ?? Number.NaN) : values;
    }
    sections[role] = section;
  }
  const parsed = parseDynamoProfile(request.name, {
    prefill_tp: tps.prefill,
    decode_tp: tps.decode,
    ...sections,
  });
  return parsed.ok ? parsed : { ok: false, message: `${request.input}: ${parsed.message}` };
}

function importSplitwise(request: ImportRequest): Imported {
  const model = required(request.model, '--model', 'splitwise');
  const hardware = required(request.hardware, '--hardware', 'splitwise');
  const tp = required(request.tensorParallel, '--tp', 'splitwise');
  if (!model.ok) return model;
  if (!hardware.ok) return hardware;
  if (!tp.ok) return tp;
  const read = readInput(request.input);
  if (!read.ok) return read;
  const csv = parseSplitwiseCsv(read.bytes.toString('utf8'));
  if (!csv.ok) return { ok: false, message: `${request.input}:${csv.message}` };
  const built = splitwiseProfile(request.name, csv.rows, {
    model: model.value,
    hardware: hardware.value,
    tensorParallel: tp.value,
  });
  return built.ok ? built : { ok: false, message: `${request.input} ${built.message}` };
}

/** The KV pool: --max-kv-tokens, else the max_num_tokens.csv beside the JSON (pp 1). */
function distServeKvTokens(request: ImportRequest, model: string, tp: number): Result<{ value: number }> {
  if (request.maxKvTokens !== undefined) return { ok: true, value: request.maxKvTokens };
  const path = join(dirname(request.input), 'max_num_tokens.csv');
  if (!existsSync(path)) {
    return {
      ok: false,
      message: `--format distserve needs --max-kv-tokens (no max_num_tokens.csv beside ${request.input})`,
    };
  }
  const read = readInput(path);
  if (!read.ok) return read;
  const kv = parseMaxNumTokensCsv(read.bytes.toString('utf8'));
  if (!kv.ok) return { ok: false, message: `${path}:${kv.message}` };
  const tokens = maxKvTokensOf(kv.rows, { model, tensorParallel: tp });
  return tokens === undefined
    ? { ok: false, message: `${path} has no row for ${model} at tp ${tp}, pp 1 (or give --max-kv-tokens)` }
    : { ok: true, value: tokens };
}

function importDistServe(request: ImportRequest): Imported {
  const model = required(request.model, '--model', 'distserve');
  const tp = required(request.tensorParallel, '--tp', 'distserve');
  if (!model.ok) return model;
  if (!tp.ok) return tp;
  const known = optModels[model.value];
  const maxContext = required(
    request.maxContextTokens ?? known?.maxContextTokens,
    '--max-context',
    'distserve',
  );
  if (!maxContext.ok) return maxContext;
  const read = readInput(request.input);
  if (!read.ok) return read;
  const json = parseJsonAt(request.input, read.bytes.toString('utf8'));
  if (!json.ok) return json;
  const file = parseDistServeJson(json.json);
  if (!file.ok) return { ok: false, message: `${request.input}: ${file.message}` };
  const selector = { model: model.value, tensorParallel: tp.value };
  const selected = selectDistServe(file.file, selector);
  if (!selected.ok) return { ok: false, message: `${request.input} ${selected.message}` };
  const kvTokens = distServeKvTokens(request, model.value, tp.value);
  if (!kvTokens.ok) return kvTokens;
  const kvBytesPerToken = request.kvBytesPerToken ?? known?.kvBytesPerToken;
  const built = distServeProfile(request.name, selector, selected.coefficients, {
    maxKvTokens: kvTokens.value,
    maxContextTokens: maxContext.value,
    ...(kvBytesPerToken === undefined ? {} : { kvBytesPerToken }),
  });
  return built.ok ? built : { ok: false, message: `${request.input}: ${built.message}` };
}

const importers: Readonly<Record<ImportFormat, (request: ImportRequest) => Imported>> = {
  dynamo: importDynamo,
  splitwise: importSplitwise,
  distserve: importDistServe,
};

/** The profile file for a request, or the first problem with its place. */
export function importProfile(request: ImportRequest): Result<{ document: ProfileDocument }> {
  const imported = importers[request.format](request);
  if (!imported.ok) return imported;
  const { profile } = imported;
  return {
    ok: true,
    document: {
      name: request.name,
      source: request.source ?? `${request.format} format, imported from ${basename(resolve(request.input))}`,
      license: request.license ?? 'not stated',
      prefill_tp: profile.prefillTp,
      decode_tp: profile.decodeTp,
      ...(profile.kvBytesPerToken === undefined ? {} : { kv_bytes_per_token: profile.kvBytesPerToken }),
      prefill: {
        prefill_isl: profile.prefill.inputTokens,
        prefill_ttft: profile.prefill.ttftMs,
        prefill_thpt_per_gpu: profile.prefill.tokensPerSecondPerGpu,
      },
      decode: {
        x_kv_usage: profile.decode.kvUsage,
        y_context_length: profile.decode.contextTokens,
        z_itl: profile.decode.itlMs,
        max_kv_tokens: profile.decode.maxKvTokens,
      },
    },
  };
}
