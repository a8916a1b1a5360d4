// SPDX-License-Identifier: Apache-2.0
// The registry of named profiles (src/policy/profiles.ts) as policies and the CLI reach it through
// readNamedProfile (src/profiles/store.ts): every built-in name loads from the package's data/profiles
// with no directory given, a profiles directory adds and overrides profiles in the documented order,
// messages list the names and name the file, and the Llama-2-70B evaluation policies load and keep
// their traces attainable.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DecisionSpec } from '../../src/decision/types.js';
import { loadPolicyBytes, loadPolicyFile, readNamedProfile } from '../../src/policy/load.js';
import { namedProfiles, profileNames, profileRegistry } from '../../src/policy/profiles.js';
import { dataDir } from '../helpers/spec.js';

const profilesDir = `${dataDir}profiles`;
const dynamoJson = readFileSync(`${profilesDir}/dynamo_H200_TP1P_TP1D/raw_data.json`, 'utf8');
const root = new URL('../../', import.meta.url).pathname;
const mooncakePolicy = `${root}policies/eval/mooncake-70b-h100-tp4.yaml`;
const azurePolicy = `${root}policies/eval/azure-code-70b-h100-tp4.yaml`;

const scratch = mkdtempSync(join(tmpdir(), 'pdscaler-profiles-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** A profiles directory holding only `relative` with `text`. */
function profilesWith(relative: string, text: string): string {
  const dir = mkdtempSync(join(scratch, 'dir-'));
  mkdirSync(join(dir, relative, '..'), { recursive: true });
  writeFileSync(join(dir, relative), text);
  return dir;
}

describe('the profile registry', () => {
  it('lists the Dynamo H200 profile, the four Splitwise Llama-2-70B profiles and the DistServe OPT profiles', () => {
    expect(profileNames).toEqual([
      'dynamo-h200-llama3.1-8b-fp8',
      'splitwise-h100-llama2-70b-tp4',
      'splitwise-h100-llama2-70b-tp8',
      'splitwise-a100-llama2-70b-tp4',
      'splitwise-a100-llama2-70b-tp8',
      'distserve-a100-opt-13b-tp1',
      'distserve-a100-opt-13b-tp2',
      'distserve-a100-opt-13b-tp4',
      'distserve-a100-opt-66b-tp2',
      'distserve-a100-opt-66b-tp3',
      'distserve-a100-opt-66b-tp4',
      'distserve-a100-opt-66b-tp8',
    ]);
  });

  it.each(profileNames)('reads %s from the package under its own name, with no directory given', (name) => {
    const read = readNamedProfile(name);
    if (!read.ok) throw new Error(read.message);
    expect(read.profile.name).toBe(name);
    const entry = profileRegistry[name];
    const tp = entry?.format === 'dynamo-json' ? 1 : (entry?.selector.tensorParallel ?? 0);
    expect([read.profile.prefillTp, read.profile.decodeTp]).toEqual([tp, tp]);
    expect(name.endsWith(`-tp${tp}`) || entry?.format === 'dynamo-json').toBe(true);
  });

  it('keeps namedProfiles as each name to the source file a profiles directory may override', () => {
    const distserve = 'distserve_a100_80g/profiler-a100-80g.distserve.json';
    expect(namedProfiles).toEqual({
      'dynamo-h200-llama3.1-8b-fp8': 'dynamo_H200_TP1P_TP1D/raw_data.json',
      'splitwise-h100-llama2-70b-tp4': 'splitwise_sim/perf_model.csv',
      'splitwise-h100-llama2-70b-tp8': 'splitwise_sim/perf_model.csv',
      'splitwise-a100-llama2-70b-tp4': 'splitwise_sim/perf_model.csv',
      'splitwise-a100-llama2-70b-tp8': 'splitwise_sim/perf_model.csv',
      'distserve-a100-opt-13b-tp1': distserve,
      'distserve-a100-opt-13b-tp2': distserve,
      'distserve-a100-opt-13b-tp4': distserve,
      'distserve-a100-opt-66b-tp2': distserve,
      'distserve-a100-opt-66b-tp3': distserve,
      'distserve-a100-opt-66b-tp4': distserve,
      'distserve-a100-opt-66b-tp8': distserve,
    });
  });
});

describe('a profiles directory', () => {
  /** A Dynamo-shaped profile whose prefill TTFTs are all `ttftMs`, to tell it from the built-in one. */
  const flatProfile = (ttftMs: number): string => {
    const json = JSON.parse(dynamoJson) as { prefill: { prefill_ttft: number[] } };
    json.prefill.prefill_ttft = json.prefill.prefill_ttft.map(() => ttftMs);
    return JSON.stringify(json);
  };

  it('adds its NAME.json files as profiles NAME, listed after the built-in names in messages', () => {
    const dir = profilesWith('my-h200.json', flatProfile(7));
    const read = readNamedProfile('my-h200', { profilesDir: dir });
    expect(read.ok && [read.profile.name, read.profile.prefill.ttftMs[0]]).toEqual(['my-h200', 7]);
    expect(readNamedProfile('nope', { profilesDir: dir })).toEqual({
      ok: false,
      message: `"nope" is not a known profile (known: ${profileNames.join(', ')}, my-h200)`,
    });
  });

  it('overrides a built-in profile first by NAME.json, then by a file at its source path', () => {
    const name = 'dynamo-h200-llama3.1-8b-fp8';
    const bySource = profilesWith(namedProfiles[name] ?? '', flatProfile(8));
    const byName = profilesWith(`${name}.json`, flatProfile(9));
    writeFileSync(join(byName, 'dynamo_H200_TP1P_TP1D.json'), flatProfile(10));
    const first = (dir: string) => {
      const read = readNamedProfile(name, { profilesDir: dir });
      return read.ok ? read.profile.prefill.ttftMs[0] : read.message;
    };
    expect([first(bySource), first(byName)]).toEqual([8, 9]);
  });

  it('falls back to the built-in file for what it does not hold', () => {
    const dir = profilesWith('unrelated.json', flatProfile(7));
    const read = readNamedProfile('splitwise-a100-llama2-70b-tp8', { profilesDir: dir });
    expect(read.ok && read.profile.decode.maxKvTokens).toBe(1_232_910);
  });

  it('that does not exist is named, with how to set it', () => {
    const dir = join(scratch, 'missing');
    expect(readNamedProfile('splitwise-a100-llama2-70b-tp8', { profilesDir: dir })).toEqual({
      ok: false,
      message: `"splitwise-a100-llama2-70b-tp8": profiles directory ${dir} does not exist (set --profiles-dir or PDSCALER_PROFILES_DIR)`,
    });
  });
});

describe('readNamedProfile messages', () => {
  const known = `known: ${profileNames.join(', ')}`;

  it('lists every registered name for an unknown one', () => {
    expect(readNamedProfile('splitwise-h100-llama2-70b-tp2')).toEqual({
      ok: false,
      message: `"splitwise-h100-llama2-70b-tp2" is not a known profile (${known})`,
    });
  });

  it('lists every registered name for an unknown capacity.profile in a policy', () => {
    const text = readFileSync(mooncakePolicy, 'utf8').replace(
      'profile: splitwise-h100-llama2-70b-tp4',
      'profile: splitwise-h200-llama2-70b-tp4',
    );
    const result = loadPolicyBytes('policy.yaml', Buffer.from(text), { profilesDir });
    expect(result.ok ? [] : result.issues.map((i) => i.message)).toEqual([
      `spec.capacity.profile = "splitwise-h200-llama2-70b-tp4" is not a known profile (${known})`,
    ]);
  });

  it.each([
    {
      name: 'a malformed Splitwise CSV by FILE:LINE:COL',
      profile: 'splitwise-h100-llama2-70b-tp4',
      text: 'model,hardware\nllama2-70b,h100-80gb\n',
      message: (dir: string) =>
        `"splitwise-h100-llama2-70b-tp4": ${dir}/splitwise_sim/perf_model.csv:1:16: header ends before "prompt_size"`,
    },
    {
      name: 'a Splitwise CSV without the selected rows by file',
      profile: 'splitwise-a100-llama2-70b-tp4',
      text: `${readFileSync(`${profilesDir}/splitwise_sim/perf_model.csv`, 'utf8').split('\n').slice(0, 20).join('\n')}\n`,
      message: (dir: string) =>
        `"splitwise-a100-llama2-70b-tp4": ${dir}/splitwise_sim/perf_model.csv has no prompt sweep (batch 1, token_size 128) for llama2-70b on a100-80gb at TP4`,
    },
    {
      name: 'a Dynamo profile that is not JSON by file',
      profile: 'dynamo-h200-llama3.1-8b-fp8',
      text: '{"prefill": ',
      message: (dir: string) =>
        `"dynamo-h200-llama3.1-8b-fp8": file ${dir}/dynamo_H200_TP1P_TP1D/raw_data.json cannot be read: Unexpected end of JSON input`,
    },
    {
      name: 'a DistServe JSON of the wrong shape by file and key path',
      profile: 'distserve-a100-opt-13b-tp2',
      text: '{"facebook/opt-13b": {"2": {"decoding_large_small_bs_threshold": 95, "prefill": [1, 2]}}}',
      message: (dir: string) =>
        `"distserve-a100-opt-13b-tp2": ${dir}/distserve_a100_80g/profiler-a100-80g.distserve.json: facebook/opt-13b.2.prefill: Too small: expected array to have >=3 items`,
    },
    {
      name: 'a Dynamo profile of the wrong shape by file',
      profile: 'dynamo-h200-llama3.1-8b-fp8',
      text: '{}',
      message: (dir: string) =>
        `"dynamo-h200-llama3.1-8b-fp8": ${dir}/dynamo_H200_TP1P_TP1D/raw_data.json is not a Dynamo profile: prefill Invalid input: expected object, received undefined`,
    },
  ])('reports $name', ({ profile, text, message }) => {
    const dir = profilesWith(namedProfiles[profile] ?? '', text);
    expect(readNamedProfile(profile, { profilesDir: dir })).toEqual({ ok: false, message: message(dir) });
  });
});

/** Share of prompts whose unloaded TTFT (prefill plus a 327,680 B/token KV transfer at 50 GB/s) meets the SLO. */
function attainableShare(spec: DecisionSpec, inputTokens: readonly number[]): number {
  const kvTransferMs = (tokens: number): number => ((tokens * 327_680) / 50e9) * 1000;
  const attainable = inputTokens.filter(
    (tokens) =>
      (spec.capacity.prefill(tokens).unloadedTtftMs ?? Infinity) + kvTransferMs(tokens) <= spec.slo.ttftMs,
  );
  return attainable.length / inputTokens.length;
}

describe('the Llama-2-70B evaluation policies', () => {
  const traces = `${dataDir}traces`;
  const mooncakePrompts = readFileSync(`${traces}/mooncake_conversation_trace.jsonl`, 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { input_length: number }).input_length);
  const azurePrompts = readFileSync(`${traces}/AzureLLMInferenceTrace_code.csv`, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.split(',')[1]));

  it.each([
    { file: mooncakePolicy, prompts: mooncakePrompts, count: 12_031, ttftMs: 10_000, share: 0.973 },
    { file: azurePolicy, prompts: azurePrompts, count: 8819, ttftMs: 1000, share: 1 },
  ])('$file loads on the H100 TP4 profile and keeps $share of its trace attainable', (c) => {
    const result = loadPolicyFile(c.file, { profilesDir });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const { spec } = result;
    expect(spec.capacity.description).toBe('profile splitwise-h100-llama2-70b-tp4');
    expect([spec.roles.prefill.gpusPerReplica, spec.roles.decode.gpusPerReplica]).toEqual([4, 4]);
    expect([spec.roles.prefill.maxReplicas, spec.roles.decode.maxReplicas]).toEqual([64, 64]);
    expect(spec.slo).toMatchObject({ quantile: 'p99', ttftMs: c.ttftMs, tpotMs: 50 });
    expect(c.prompts).toHaveLength(c.count);
    expect(attainableShare(spec, c.prompts)).toBeGreaterThanOrEqual(0.97);
    expect(attainableShare(spec, c.prompts)).toBeCloseTo(c.share, 3);
  });

  it('refuses one GPU per replica on a TP4 profile, naming the TP', () => {
    const text = readFileSync(azurePolicy, 'utf8').replace('gpusPerReplica: 4', 'gpusPerReplica: 1');
    const result = loadPolicyBytes('policy.yaml', Buffer.from(text), { profilesDir });
    expect(result.ok ? [] : result.issues.map((i) => i.message)).toEqual([
      'spec.roles.prefill.gpusPerReplica = 1, must equal the TP4 the profile splitwise-h100-llama2-70b-tp4 measured prefill at (or use spec.capacity.explicit)',
    ]);
  });
});
