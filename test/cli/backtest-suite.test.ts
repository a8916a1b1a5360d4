// SPDX-License-Identifier: Apache-2.0
// `pdscaler backtest --suite NAME` as a user runs it (in-process, real worker threads, the shared
// traces): the smoke suite's JSON with every system on every case, the suite report with the oracle's
// definition, `--docs` rewriting its sections of a copy of docs/backtests.md and nothing else, and
// each misuse refused with a specific message and exit code 2. Also the single backtest's profile,
// taken from the policy when `--profile` is not given.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { oracleDefinition } from '../../src/sim/oracle.js';
import { SystemNames } from '../../src/sim/result.js';
import type { SuiteJson } from '../../src/sim/suite/summary.js';
import { dataDir } from '../helpers/spec.js';

const root = new URL('../../', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'pdscaler-suite-'));

async function run(args: readonly string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    nowMs: () => Date.UTC(2026, 0, 5),
    env: { PDSCALER_TRACES_DIR: join(dataDir, 'traces'), ...env },
  });
  return { code, stdout, stderr };
}

describe('pdscaler backtest --suite: misuse', () => {
  it.each([
    [['--suite', 'nightly'], '--suite "nightly": unknown suite (known: standard, smoke)'],
    [
      ['--suite', 'smoke', '--policy', 'policies/eval/mooncake-8b-h200.yaml'],
      '--suite runs its own policies, traces, transforms, profiles and cold starts: drop --policy',
    ],
    [['--suite', 'smoke', '--trace', 'x.csv', '--cold-start', '60s'], 'drop --trace, --cold-start'],
    [['--suite', 'smoke', '--workers', '0'], '--workers "0": an integer from 1 to 64'],
    [['--workers', '2', '--policy', 'p.yaml', '--trace', 't.csv'], '--workers only apply with --suite NAME'],
    [[], '--policy and --trace are required (or --suite NAME to run an evaluation suite)'],
  ])('refuses backtest %j', async (args, message) => {
    const r = await run(['backtest', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('names the environment variable when the traces directory is missing', async () => {
    const r = await run(['backtest', '--suite', 'smoke'], { PDSCALER_TRACES_DIR: join(tmp, 'no-traces') });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `traces directory ${join(tmp, 'no-traces')} does not exist (set --traces-dir or PDSCALER_TRACES_DIR)\n`,
    );
  });

  it('refuses to start when the profiles cannot be read, naming the profile and where to set the directory', async () => {
    const r = await run(['--profiles-dir', join(tmp, 'no-profiles'), 'backtest', '--suite', 'smoke']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^the suite cannot run:\n {2}profile "dynamo-h200-llama3\.1-8b-fp8": /);
    expect(r.stderr).toContain('(set --profiles-dir or PDSCALER_PROFILES_DIR)');
  });

  it('refuses --docs on a file without the suite’s markers before running anything', async () => {
    const docs = join(tmp, 'no-markers.md');
    writeFileSync(docs, '# Nothing here\n');
    const r = await run(['backtest', '--suite', 'smoke', '--docs', docs]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--docs ${docs}: no <!-- eval:begin --> ... <!-- eval:end -->`);
    expect(readFileSync(docs, 'utf8')).toBe('# Nothing here\n');
  });
});

describe('pdscaler backtest --suite smoke', () => {
  it(
    'prints every system for every case as JSON, writes the report and rewrites only the docs’ sections',
    { timeout: 180_000 },
    async () => {
      const report = join(tmp, 'suite.html');
      const docs = join(tmp, 'backtests.md');
      copyFileSync(join(root, 'docs/backtests.md'), docs);
      const before = readFileSync(docs, 'utf8');
      const r = await run([
        'backtest',
        '--suite',
        'smoke',
        '--workers',
        '2',
        '--json',
        '--report',
        report,
        '--docs',
        docs,
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);

      const json = JSON.parse(r.stdout) as SuiteJson;
      expect(json.suite).toBe('smoke');
      expect(json.workers).toBe(2);
      expect(json.cases.length).toBeGreaterThanOrEqual(2);
      for (const c of json.cases) {
        expect(c.summary.results.map((x) => x.name)).toEqual([...SystemNames]);
        expect(c.targets.checks).toHaveLength(4);
      }
      expect(json.targets.checks.map((k) => k.target)).toContain('mean GPU-h <= 1.15x oracle');
      expect(json.targets.families.map((f) => [f.family, f.split])).toEqual([
        ['mooncake', 'tuning'],
        ['azure-code', 'tuning'],
        ['mmpp', 'tuning'],
      ]);

      const html = readFileSync(report, 'utf8');
      const text = html.replace(/\s+/g, ' ').replaceAll('&gt;', '>').replaceAll('&#39;', "'");
      expect(text).toContain(oracleDefinition);
      for (const c of json.cases) {
        expect(html).toContain(`id="case-${c.id}"`);
        expect(text).toContain(`prefill ${c.coldStartS.prefill} s, decode ${c.coldStartS.decode} s`);
      }
      expect(text).toContain('slice 0-600 s, re-based to start at 0');
      expect(text).toContain('synthetic mmpp (seed 16): 2-state MMPP over 600 s');
      expect(text).toMatch(
        /<h3>Per workload family<\/h3>.*<th scope="row">mmpp<\/th><td>tuning<\/td><td class="num">1<\/td>/,
      );
      expect(text).toContain("--trace 'synth:mmpp?seed=16&amp;rate=8&amp;duration=10m'");

      const after = readFileSync(docs, 'utf8');
      const outside = (doc: string) => [
        doc.split('<!-- eval-targets:begin -->')[0],
        doc.split('<!-- eval-targets:end -->')[1]?.split('<!-- eval:begin -->')[0],
        doc.split('<!-- eval:end -->')[1],
      ];
      expect(outside(after)).toEqual(outside(before));
      const section = after.split('<!-- eval:begin -->')[1]?.split('<!-- eval:end -->')[0] ?? '';
      for (const c of json.cases) expect(section).toContain(c.label);
      const targets =
        after.split('<!-- eval-targets:begin -->')[1]?.split('<!-- eval-targets:end -->')[0] ?? '';
      expect(targets).toContain('Suite `smoke`: 4 cases, every system; 2 workers, wall time');
      expect(targets).toContain("| mean gap to the oracle's both SLOs <= 0.30 pp");
      expect(targets).toMatch(/\| mmpp +\| tuning +\| +1 \|/);
    },
  );
});

describe('pdscaler backtest (one policy)', () => {
  it('simulates the profile the policy names when --profile is not given', { timeout: 120_000 }, async () => {
    const report = join(tmp, 'one.html');
    const r = await run([
      'backtest',
      '--policy',
      join(root, 'policies/eval/azure-code-70b-h100-tp4.yaml'),
      '--trace',
      join(dataDir, 'traces/AzureLLMInferenceTrace_code.csv'),
      '--transform',
      'slice:0s-2m',
      '--baselines',
      'none',
      '--report',
      report,
    ]);
    expect(r.code).toBe(0);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<dt>Profile</dt><dd>splitwise-h100-llama2-70b-tp4</dd>');
    expect(html).toContain('prefill 4, decode 4');
  });
});
