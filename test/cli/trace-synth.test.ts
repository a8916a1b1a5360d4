// SPDX-License-Identifier: Apache-2.0
// `pdscaler trace synth` as a user runs it (in-process): the file it writes is the trace a suite case
// generates, read back by the trace loader; bad input exits 2 with a specific message and writes nothing.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { loadTrace } from '../../src/sim/trace/load.js';
import { parseSynthSource } from '../../src/sim/trace/synth/spec.js';
import { synthesize } from '../../src/sim/trace/synth/synthesize.js';

const tmp = mkdtempSync(join(tmpdir(), 'pdscaler-synth-'));

async function run(args: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    nowMs: () => Date.UTC(2026, 0, 5),
    env: {},
  });
  return { code, stdout, stderr };
}

describe('pdscaler trace synth', () => {
  it('writes Mooncake JSONL that the trace loader reads back as the generated trace', async () => {
    const out = join(tmp, 'flash.jsonl');
    const r = await run([
      'trace',
      'synth',
      'flash-crowd',
      '--seed',
      '7',
      '--rate',
      '3',
      '--duration',
      '20m',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const parsed = parseSynthSource('synth:flash-crowd?seed=7&rate=3&duration=20m');
    if (!parsed.ok) throw new Error(parsed.message);
    const generated = synthesize(parsed.spec);
    expect(r.stdout).toContain(
      `${out}: ${generated.requests.length} requests over ${generated.durationS.toFixed(1)} s ` +
        '(synth:flash-crowd?seed=7&rate=3&duration=1200s&lengths=long-context)',
    );
    const read = await loadTrace(out);
    // The loader starts every trace at its first arrival.
    const firstMs = generated.requests[0]?.arrivalMs ?? 0;
    expect(read.requests).toEqual(
      generated.requests.map((q) => ({ ...q, arrivalMs: q.arrivalMs - firstMs })),
    );
    expect(readFileSync(out, 'utf8').split('\n')[0]).toMatch(
      /^\{"timestamp":[\d.]+,"input_length":\d+,"output_length":\d+\}$/,
    );
  });

  it.each([
    [
      ['nightly'],
      'trace synth: unknown family "nightly" (known: mmpp, flash-crowd, fast-day, diurnal-noise, heavy-tail, prompt-shift)',
    ],
    [['mmpp', '--seed', '1.5'], 'trace synth: seed must be an integer >= 0, got "1.5"'],
    [['mmpp', '--rate', '-3'], 'trace synth: rate must be requests per second > 0 and <= 10000, got "-3"'],
    [
      ['fast-day', '--duration', '30m'],
      'trace synth: duration of fast-day must be a duration from 900s to 1200s like 18m, got "30m"',
    ],
    [
      ['mmpp', '--lengths', 'long'],
      'trace synth: lengths must be one of code, conversation, long-context, got "long"',
    ],
  ])('refuses %j with exit code 2 and writes nothing', async (args, message) => {
    const out = join(tmp, `bad-${args.join('-')}.jsonl`);
    const r = await run(['trace', 'synth', ...args, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${message}\n`);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses to overwrite a file, leaving it as it was', async () => {
    const out = join(tmp, 'kept.jsonl');
    writeFileSync(out, 'mine\n');
    const r = await run(['trace', 'synth', 'mmpp', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`trace synth: --out ${out}: cannot write: the file exists (remove it first)\n`);
    expect(readFileSync(out, 'utf8')).toBe('mine\n');
  });

  it('refuses a directory that does not exist, writing nothing', async () => {
    const out = join(tmp, 'no-dir', 'x.jsonl');
    const r = await run(['trace', 'synth', 'mmpp', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^trace synth: --out .*no-dir\/x\.jsonl: cannot write: ENOENT/);
    expect(existsSync(out)).toBe(false);
  });

  it('requires --out', async () => {
    const r = await run(['trace', 'synth', 'mmpp']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--out <file>' not specified");
  });
});
