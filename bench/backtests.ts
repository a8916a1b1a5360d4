// SPDX-License-Identifier: Apache-2.0
// `npm run backtests`: runs the documented backtest matrix through the CLI (`pdscaler backtest
// --json`, exactly as a user would) and rewrites the table in docs/backtests.md between its markers,
// so the published numbers are always the output of the command written in that file.
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli/program.js';
import { recoveryCell } from '../src/cli/backtest.js';
import { caseLabel, cases, root, traces, type Case } from './backtest-cases.js';
import { rewriteSections } from '../src/sim/suite/doc-markers.js';
import type { BacktestSummary } from '../src/sim/result.js';

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
const label = caseLabel;

function rows(c: Case, summary: BacktestSummary): string[] {
  const oracle = summary.results.find((r) => r.name === 'oracle')?.gpuHours ?? NaN;
  return summary.results.map(
    (r) =>
      `| ${label(c)} | ${r.name} | ${pct(r.sloAttainment.both)} | ${pct(r.sloAttainment.ttft)} | ${pct(r.sloAttainment.tpot)} | ${r.gpuHours.toFixed(2)} | ${(r.gpuHours / oracle).toFixed(2)}x | ${Math.round(r.goodputPerGpuHour)} | ${r.ratioDeviation.toFixed(2)} | ${recoveryCell(r.timeToRecover)} | ${r.scaleEvents} | ${r.directionChanges} | ${r.peakReplicas.prefill}/${r.peakReplicas.decode} |`,
  );
}

/** The published P/D autoscalers pdscaler is held against: pdscaler must beat both on goodput/GPU-h at >= attainment. */
const peers = ['heteroscale', 'blitzscale-bands'] as const;

/** One row per case and peer: the goodput ratio, the attainment difference, and whether pdscaler wins. */
function peerRows(c: Case, summary: BacktestSummary): string[] {
  const ours = summary.results.find((r) => r.name === 'pdscaler');
  if (ours === undefined) return [];
  return peers.flatMap((name) => {
    const peer = summary.results.find((r) => r.name === name);
    if (peer === undefined) return [];
    const goodput = ours.goodputPerGpuHour / peer.goodputPerGpuHour;
    const attainment = (ours.sloAttainment.both - peer.sloAttainment.both) * 100;
    const wins = goodput > 1 && attainment >= 0;
    return [
      `| ${label(c)} | ${name} | ${goodput.toFixed(2)}x | ${attainment >= 0 ? '+' : ''}${attainment.toFixed(2)} pp | ${wins ? 'yes' : 'no'} |`,
    ];
  });
}

async function main(): Promise<void> {
  const lines = [
    '| case | system | both SLOs | TTFT | TPOT | GPU-h | x oracle | goodput/GPU-h | ratio dev. | recover mean/max s | scale events | direction changes | peak P/D |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const verdicts = [
    '| case | peer | pdscaler goodput/GPU-h ÷ peer | both SLOs, pdscaler − peer | pdscaler wins |',
    '| --- | --- | ---: | ---: | :---: |',
  ];
  for (const c of cases) {
    const started = performance.now();
    const summary = await runCase(c);
    process.stderr.write(
      `${c.trace} ${c.transforms.join(' ')}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    lines.push(...rows(c, summary));
    verdicts.push(...peerRows(c, summary));
  }
  rewriteSections(new URL('docs/backtests.md', root), {
    backtests: lines,
    'backtests-peers': verdicts,
  });
  process.stdout.write(`${lines.join('\n')}\n\n${verdicts.join('\n')}\n`);
}

await main();
