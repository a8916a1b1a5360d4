// SPDX-License-Identifier: Apache-2.0
// `pdscaler profiles list|show` in-process (runCli): every built-in profile with its source and licence,
// a user's directory added, one profile's numbers and what meets a TPOT or TTFT target, bad input.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { profileNames } from '../../src/policy/profiles.js';
import type { ProfileSummary } from '../../src/profiles/summary.js';
import { dataDir } from '../helpers/spec.js';

async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    nowMs: () => Date.UTC(2026, 0, 5),
    env,
  });
  return { code, stdout, stderr };
}

const scratch = mkdtempSync(join(tmpdir(), 'pdscaler-profiles-cli-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});
const dynamoJson = readFileSync(`${dataDir}profiles/dynamo_H200_TP1P_TP1D/raw_data.json`, 'utf8');

interface Listed {
  name: string;
  origin: string;
  source: string;
  license: string;
  gpusPerReplica: { prefill: number; decode: number };
  kvCapacityTokens: number;
}

describe('pdscaler profiles list', () => {
  it('names every built-in profile with its origin, licence, GPUs per replica and KV capacity', async () => {
    const r = await cli(['profiles', 'list', '--json']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const { profiles } = JSON.parse(r.stdout) as { profiles: Listed[] };
    expect(profiles.map((p) => p.name)).toEqual(profileNames);
    const byName = new Map(profiles.map((p) => [p.name, p]));
    expect(byName.get('dynamo-h200-llama3.1-8b-fp8')).toMatchObject({
      origin: 'built-in',
      license: 'Apache-2.0',
      gpusPerReplica: { prefill: 1, decode: 1 },
      kvCapacityTokens: 945_029,
    });
    expect(byName.get('splitwise-h100-llama2-70b-tp8')).toMatchObject({
      license: 'MIT',
      kvCapacityTokens: 1_232_910,
    });
    expect(byName.get('distserve-a100-opt-13b-tp2')).toMatchObject({
      license: 'Apache-2.0',
      gpusPerReplica: { prefill: 2, decode: 2 },
      kvCapacityTokens: 163_008,
    });
    expect(profiles.every((p) => p.source.length > 0)).toBe(true);
  });

  it('adds the profiles of PDSCALER_PROFILES_DIR after the built-in ones, as a table without --json', async () => {
    const dir = mkdtempSync(join(scratch, 'dir-'));
    writeFileSync(join(dir, 'my-h200.json'), dynamoJson);
    const r = await cli(['profiles', 'list'], { PDSCALER_PROFILES_DIR: dir });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ORIGIN\s+GPUS P\/D\s+KV TOKENS\s+LICENSE\s+SOURCE$/);
    expect(lines.at(-1)).toMatch(
      /^my-h200\s+user\s+1\/1\s+945,029\s+not stated\s+ai-dynamo\/dynamo:tests\/planner/,
    );
    expect(lines).toHaveLength(profileNames.length + 2);
  });

  it('exits 2 naming a profiles directory that does not exist', async () => {
    const dir = join(scratch, 'missing');
    const r = await cli(['--profiles-dir', dir, 'profiles', 'list']);
    expect([r.code, r.stderr]).toEqual([
      2,
      `profiles directory ${dir} does not exist (set --profiles-dir or PDSCALER_PROFILES_DIR)\n`,
    ]);
  });

  it('exits 2 naming a user profile that does not parse, and still lists the others', async () => {
    const dir = mkdtempSync(join(scratch, 'dir-'));
    writeFileSync(join(dir, 'broken.json'), '{"prefill": ');
    const r = await cli(['--profiles-dir', dir, 'profiles', 'list', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `"broken": file ${join(dir, 'broken.json')} cannot be read: Unexpected end of JSON input\n`,
    );
    expect((JSON.parse(r.stdout) as { profiles: Listed[] }).profiles).toHaveLength(profileNames.length);
  });
});

describe('pdscaler profiles show', () => {
  it('prints prefill by prompt length and decode ITL by batch and context, as JSON', async () => {
    const r = await cli(['profiles', 'show', 'dynamo-h200-llama3.1-8b-fp8', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as ProfileSummary;
    expect(s.prefill).toHaveLength(17);
    expect(s.prefill[0]).toMatchObject({ promptTokens: 100 });
    expect(s.decode.map((level) => level.contextTokens)).toEqual([350, 2997, 5644, 8291, 10938, 13585]);
    expect(s.decode.flatMap((level) => level.points)).toHaveLength(41);
    expect(s).not.toHaveProperty('tpotMs');
    expect(s).not.toHaveProperty('maxPromptTokensAtTtft');
  });

  it('prints the largest batch meeting --tpot per context and the longest prompt meeting --ttft', async () => {
    const r = await cli([
      'profiles',
      'show',
      'splitwise-h100-llama2-70b-tp4',
      '--tpot',
      '50ms',
      '--ttft',
      '2s',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as ProfileSummary;
    expect([s.tpotMs, s.ttftMs]).toEqual([50, 2000]);
    const batches = s.decode.map((level) => level.maxBatchAtTpot ?? 0);
    // A longer context leaves room for fewer sequences at the same ITL.
    expect(batches.every((b, i) => i === 0 || b <= (batches[i - 1] ?? 0))).toBe(true);
    expect(batches[0]).toBeGreaterThan(1);
    // Between the last profiled prompt within 2 s and the first beyond it.
    const within = s.prefill.filter((row) => row.ttftMs <= 2000).at(-1)?.promptTokens ?? 0;
    const beyond = s.prefill.find((row) => row.ttftMs > 2000)?.promptTokens ?? 0;
    expect(within).toBeGreaterThan(0);
    expect(s.maxPromptTokensAtTtft).toBeGreaterThanOrEqual(within);
    expect(s.maxPromptTokensAtTtft).toBeLessThan(beyond);
  });

  it('says "none" when no batch or prompt meets the target', async () => {
    const r = await cli(['profiles', 'show', 'distserve-a100-opt-66b-tp2', '--tpot', '1ms', '--ttft', '1ms']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('largest decode batch with ITL <= 1 ms:\n    context     128: none');
    expect(r.stdout).toContain('longest prompt with unloaded TTFT <= 1 ms: none');
    expect(r.stdout).toContain('license:  Apache-2.0');
  });

  it.each([
    { args: ['nope'], stderr: /^"nope" is not a known profile \(known: dynamo-h200/ },
    {
      args: ['dynamo-h200-llama3.1-8b-fp8', '--tpot', 'fast'],
      stderr: /^--tpot "fast" is not a positive duration/,
    },
    {
      args: ['dynamo-h200-llama3.1-8b-fp8', '--ttft', '0ms'],
      stderr: /^--ttft "0ms" is not a positive duration/,
    },
  ])('exits 2 for $args', async ({ args, stderr }) => {
    const r = await cli(['profiles', 'show', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(stderr);
    expect(r.stdout).toBe('');
  });
});
