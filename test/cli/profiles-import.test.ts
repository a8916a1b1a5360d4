// SPDX-License-Identifier: Apache-2.0
// `pdscaler profiles import` in-process (runCli): a profile from each published format the repository
// holds (a Dynamo results folder, Splitwise CSV rows, DistServe coefficients) is written, listed by
// --profiles-dir, loaded by a policy's capacity.profileFile and backtested; each bad input is refused
// with its place (FILE:LINE:COL, or FILE: key.path) and writes nothing.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { dataDir } from '../helpers/spec.js';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    nowMs: () => Date.UTC(2026, 0, 5),
    env: {},
  });
  return { code, stdout, stderr };
}

const root = new URL('../../', import.meta.url).pathname;
const profiles = join(dataDir, 'profiles');
const dynamoFolder = join(profiles, 'dynamo_H200_TP1P_TP1D');
const splitwiseCsv = join(profiles, 'splitwise_sim/perf_model.csv');
const distserveJson = join(profiles, 'distserve_a100_80g/profiler-a100-80g.distserve.json');
const azure = join(dataDir, 'traces/AzureLLMInferenceTrace_code.csv');
const scratch = mkdtempSync(join(tmpdir(), 'pdscaler-import-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const formats = [
  { format: 'dynamo', input: dynamoFolder, args: [], tp: 1, kv: 945_029 },
  {
    format: 'splitwise',
    input: splitwiseCsv,
    args: ['--model', 'llama2-70b', '--hardware', 'a100-80gb', '--tp', '4'],
    tp: 4,
    kv: 402_832,
  },
  {
    format: 'distserve',
    input: distserveJson,
    args: ['--model', 'facebook/opt-13b', '--tp', '2'],
    tp: 2,
    kv: 163_008,
  },
];

describe('pdscaler profiles import', () => {
  it.each(formats)('imports the $format format into a file that lists, loads and backtests', async (c) => {
    const dir = mkdtempSync(join(scratch, 'dir-'));
    const name = `my-${c.format}`;
    const imported = await cli([
      '--profiles-dir',
      dir,
      'profiles',
      'import',
      c.input,
      '--format',
      c.format,
      '--name',
      name,
      ...c.args,
    ]);
    expect([imported.code, imported.stderr]).toEqual([0, '']);
    expect(imported.stdout).toContain(`wrote profile ${name} to ${join(dir, `${name}.json`)}`);

    const listed = await cli(['--profiles-dir', dir, 'profiles', 'list', '--json']);
    const mine = (
      JSON.parse(listed.stdout) as { profiles: { name: string; origin: string; kvCapacityTokens: number }[] }
    ).profiles.find((p) => p.name === name);
    expect(mine).toMatchObject({ origin: 'user', kvCapacityTokens: c.kv });

    const policy = readFileSync(join(root, 'policies/chat-h200.yaml'), 'utf8')
      .replace('profile: dynamo-h200-llama3.1-8b-fp8', `profileFile: ${name}.json`)
      .replaceAll('gpusPerReplica: 1', `gpusPerReplica: ${c.tp}`)
      .replace('tpotMs: 25', 'tpotMs: 60');
    writeFileSync(join(dir, 'policy.yaml'), policy);
    const validated = await cli(['validate', join(dir, 'policy.yaml')]);
    expect([validated.code, validated.stderr]).toEqual([0, '']);
    const backtest = await cli([
      '--profiles-dir',
      dir,
      'backtest',
      '--policy',
      join(dir, 'policy.yaml'),
      '--trace',
      azure,
      '--transform',
      'slice:0s-5m',
      '--profile',
      name,
      '--baselines',
      'none',
      '--json',
    ]);
    expect([backtest.code, backtest.stderr]).toEqual([0, '']);
    const summary = JSON.parse(backtest.stdout) as { results: { name: string; gpuHours: number }[] };
    expect(summary.results.map((r) => r.name)).toEqual(['pdscaler']);
    expect(summary.results[0]?.gpuHours).toBeGreaterThan(0);
  });

  it("reads the Dynamo folder's npz arrays to the same numbers as the shipped JSON conversion", async () => {
    const out = join(scratch, 'from-npz.json');
    expect(
      (await cli(['profiles', 'import', dynamoFolder, '--format', 'dynamo', '--name', 'x', '--out', out]))
        .code,
    ).toBe(0);
    const mine = JSON.parse(readFileSync(out, 'utf8')) as {
      prefill: unknown;
      decode: Record<string, unknown>;
    };
    const shipped = JSON.parse(readFileSync(join(dynamoFolder, 'raw_data.json'), 'utf8')) as typeof mine;
    expect(mine.prefill).toEqual(shipped.prefill);
    for (const key of ['x_kv_usage', 'y_context_length', 'z_itl', 'max_kv_tokens'])
      expect(mine.decode[key]).toEqual(shipped.decode[key]);
  });
});

/** A folder laid out as a Dynamo results folder, with `text` in place of one file. */
function dynamoWith(relative: string, bytes: string | Buffer): string {
  const dir = join(mkdtempSync(join(scratch, 'bad-')), 'H200_TP2P_TP4D');
  cpSync(dynamoFolder, dir, { recursive: true });
  mkdirSync(join(dir, relative, '..'), { recursive: true });
  writeFileSync(join(dir, relative), bytes);
  return dir;
}

function fileWith(name: string, text: string): string {
  const path = join(mkdtempSync(join(scratch, 'bad-')), name);
  writeFileSync(path, text);
  return path;
}

const splitwiseHeader = readFileSync(splitwiseCsv, 'utf8').split('\n')[0] ?? '';

describe('profiles import refuses bad input with its place, and writes nothing', () => {
  const prefillNpz = 'selected_prefill_interpolation/raw_data.npz';
  it.each([
    {
      name: 'a Splitwise CSV with a short header by FILE:LINE:COL',
      input: () => fileWith('perf.csv', 'model,hardware\n'),
      args: ['--format', 'splitwise', '--model', 'llama2-70b', '--hardware', 'h100-80gb', '--tp', '4'],
      stderr: (input: string) => `${input}:1:16: header ends before "prompt_size"\n`,
    },
    {
      name: 'a Splitwise CSV with a bad number by FILE:LINE:COL',
      input: () =>
        fileWith('perf.csv', `${splitwiseHeader}\nllama2-70b,h100-80gb,512,1,128,0.5,0.4,fast,30,4000,4\n`),
      args: ['--format', 'splitwise', '--model', 'llama2-70b', '--hardware', 'h100-80gb', '--tp', '4'],
      stderr: (input: string) => `${input}:2:40: prompt_time "fast" is not a number\n`,
    },
    {
      name: 'a DistServe JSON that does not parse by FILE:LINE:COL',
      input: () => fileWith('fit.json', '{\n  "facebook/opt-13b": {\n    "1": [1, 2,]\n'),
      args: ['--format', 'distserve', '--model', 'facebook/opt-13b', '--tp', '1', '--max-kv-tokens', '1000'],
      stderr: (input: string) => new RegExp(`^${input}:3:16: `),
    },
    {
      name: 'a DistServe JSON of the wrong shape by key path',
      input: () =>
        fileWith(
          'fit.json',
          '{"facebook/opt-13b": {"1": {"decoding_large_small_bs_threshold": 95, "prefill": [1, 2, "c"]}}}',
        ),
      args: ['--format', 'distserve', '--model', 'facebook/opt-13b', '--tp', '1', '--max-kv-tokens', '1000'],
      stderr: (input: string) =>
        `${input}: facebook/opt-13b.1.prefill[2]: Invalid input: expected number, received string\n`,
    },
    {
      name: 'a DistServe model the JSON lacks, listing those it has',
      input: () => distserveJson,
      args: ['--format', 'distserve', '--model', 'facebook/opt-30b', '--tp', '1', '--max-context', '2048'],
      stderr: (input: string) =>
        `${input} has no model "facebook/opt-30b" (has: facebook/opt-13b, facebook/opt-66b)\n`,
    },
    {
      name: 'a DistServe JSON with no KV capacity beside it',
      input: () => fileWith('fit.json', readFileSync(distserveJson, 'utf8')),
      args: ['--format', 'distserve', '--model', 'facebook/opt-13b', '--tp', '1'],
      stderr: (input: string) =>
        `--format distserve needs --max-kv-tokens (no max_num_tokens.csv beside ${input})\n`,
    },
    {
      name: 'a Dynamo folder whose npz is not a ZIP archive',
      input: () => dynamoWith(prefillNpz, 'not a zip'),
      args: ['--format', 'dynamo'],
      stderr: (input: string) =>
        `${join(input, prefillNpz)}: is not a ZIP archive (no end of central directory record)\n`,
    },
    {
      name: 'a Dynamo folder without its decode npz',
      input: () => {
        const dir = dynamoWith(prefillNpz, readFileSync(join(dynamoFolder, prefillNpz)));
        rmSync(join(dir, 'selected_decode_interpolation'), { recursive: true });
        return dir;
      },
      args: ['--format', 'dynamo'],
      stderr: (input: string) =>
        `${join(input, 'selected_decode_interpolation/raw_data.npz')}: does not exist\n`,
    },
    {
      name: 'a Splitwise import without --hardware',
      input: () => splitwiseCsv,
      args: ['--format', 'splitwise', '--model', 'llama2-70b', '--tp', '4'],
      stderr: () => '--format splitwise needs --hardware\n',
    },
    {
      name: 'an unknown format',
      input: () => splitwiseCsv,
      args: ['--format', 'vidur'],
      stderr: () => '--format "vidur" is not one of dynamo, splitwise, distserve\n',
    },
    {
      name: 'a TP that is not a positive integer',
      input: () => splitwiseCsv,
      args: ['--format', 'splitwise', '--model', 'llama2-70b', '--hardware', 'h100-80gb', '--tp', '0'],
      stderr: () => '--tp "0" is not a positive integer\n',
    },
  ])('$name', async ({ input, args, stderr }) => {
    const path = input();
    const out = join(mkdtempSync(join(scratch, 'out-')), 'p.json');
    const r = await cli(['profiles', 'import', path, '--name', 'p', '--out', out, ...args]);
    expect(r.code).toBe(2);
    const expected = stderr(path);
    if (typeof expected === 'string') expect(r.stderr).toBe(expected);
    else expect(r.stderr).toMatch(expected);
    expect(existsSync(out)).toBe(false);
  });

  it('takes the TPs of a Dynamo folder from its name', async () => {
    const out = join(scratch, 'tp.json');
    const r = await cli([
      'profiles',
      'import',
      dynamoWith('README', ''),
      '--format',
      'dynamo',
      '--name',
      'tp',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ prefill_tp: 2, decode_tp: 4 });
  });

  it('refuses to replace an existing file without --force', async () => {
    const out = fileWith('taken.json', 'mine');
    const args = ['profiles', 'import', dynamoFolder, '--format', 'dynamo', '--name', 'taken', '--out', out];
    expect(await cli(args)).toMatchObject({ code: 2, stderr: `${out} exists (use --force to replace it)\n` });
    expect(readFileSync(out, 'utf8')).toBe('mine');
    expect((await cli([...args, '--force'])).code).toBe(0);
  });
});
