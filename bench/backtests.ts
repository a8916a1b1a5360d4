// SPDX-License-Identifier: Apache-2.0
// `npm run backtests`: runs the documented backtest matrix through the CLI (`pdscaler backtest
// --json`, exactly as a user would) and rewrites the table in docs/backtests.md between its markers,
// so the published numbers are always the output of the command written in that file.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli/program.js';
import type { BacktestSummary } from '../src/sim/result.js';

const root = new URL('../../', import.meta.url);
const traces = fileURLToPath(new URL('../shared/traces/', root));

interface Case {
  readonly policy: string;
  readonly trace: string;
  readonly transforms: readonly string[];
}

/** The matrix of issue 4: both shared traces at 1x and day-shaped at a rate needing several replicas. */
export const cases: readonly Case[] = [
  { policy: 'policies/long-context-h200.yaml', trace: 'mooncake_conversation_trace.jsonl', transforms: [] },
  {
    policy: 'policies/long-context-h200.yaml',
    trace: 'mooncake_conversation_trace.jsonl',
    transforms: ['day:1h', 'scale:10'],
  },
  { policy: 'policies/code-assistant-h200.yaml', trace: 'AzureLLMInferenceTrace_code.csv', transforms: [] },
  {
    policy: 'policies/code-assistant-h200.yaml',
    trace: 'AzureLLMInferenceTrace_code.csv',
    transforms: ['day:1h', 'scale:10'],
  },
];

async function runCase(c: Case): Promise<BacktestSummary> {
  let out = '';
  const argv = ['backtest', '--policy', fileURLToPath(new URL(c.policy, root)), '--trace', traces + c.trace];
  for (const t of c.transforms) argv.push('--transform', t);
  argv.push('--json');
  const code = await runCli(argv, {
    stdout: (text) => (out += text),
    stderr: (text) => process.stderr.write(text),
    nowMs: () => Date.now(),
    env: process.env,
  });
  if (code !== 0) throw new Error(`backtest ${argv.join(' ')} exited ${code}`);
  return JSON.parse(out) as BacktestSummary;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

function rows(c: Case, summary: BacktestSummary): string[] {
  const oracle = summary.results.find((r) => r.name === 'oracle')?.gpuHours ?? NaN;
  const label = `${c.trace.replace(/\..*$/, '')} ${c.transforms.length === 0 ? '1x' : c.transforms.join(' ')}`;
  return summary.results.map(
    (r) =>
      `| ${label} | ${r.name} | ${pct(r.sloAttainment.both)} | ${pct(r.sloAttainment.ttft)} | ${pct(r.sloAttainment.tpot)} | ${r.gpuHours.toFixed(2)} | ${(r.gpuHours / oracle).toFixed(2)}x | ${r.scaleEvents} | ${r.directionChanges} | ${r.peakReplicas.prefill}/${r.peakReplicas.decode} |`,
  );
}

async function main(): Promise<void> {
  const lines = [
    '| case | system | both SLOs | TTFT | TPOT | GPU-h | x oracle | scale events | direction changes | peak P/D |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const c of cases) {
    const started = performance.now();
    const summary = await runCase(c);
    process.stderr.write(
      `${c.trace} ${c.transforms.join(' ')}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    lines.push(...rows(c, summary));
  }
  const docPath = new URL('docs/backtests.md', root);
  const doc = readFileSync(docPath, 'utf8');
  const begin = '<!-- backtests:begin -->';
  const end = '<!-- backtests:end -->';
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/backtests.md has no ${begin} ... ${end} markers`);
  writeFileSync(docPath, `${doc.slice(0, from + begin.length)}\n${lines.join('\n')}\n${doc.slice(to)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
