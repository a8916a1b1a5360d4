// SPDX-License-Identifier: Apache-2.0
// `pdscaler backtest` as a user runs it: the built binary on a shared trace, the JSON contract of
// docs/design.md key for key, the HTML report, every example policy backtested, and each bad input
// refused with a specific message and exit code 2.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dataDir } from '../helpers/spec.js';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'bin/pdscaler.js');
const traces = join(dataDir, 'traces');
const mooncake = join(traces, 'mooncake_conversation_trace.jsonl');
const azure = join(traces, 'AzureLLMInferenceTrace_code.csv');
const tmp = mkdtempSync(join(tmpdir(), 'pdscaler-backtest-'));

const run = async (args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

interface Summary {
  ratioBand: unknown;
  trace: Record<string, unknown>;
  slo: Record<string, unknown>;
  results: { name: string; sloAttainment: Record<string, number>; [key: string]: unknown }[];
}

describe('pdscaler backtest', () => {
  it('prints the comparison of every system as the JSON contract of docs/design.md', async () => {
    const r = await run([
      'backtest',
      '--policy',
      'policies/long-context-h200.yaml',
      '--trace',
      mooncake,
      '--transform',
      'slice:0s-15m',
      '--baselines',
      'all',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as Summary;
    expect(Object.keys(summary).sort()).toEqual(['ratioBand', 'results', 'slo', 'trace']);
    expect(summary.ratioBand).toBeNull();
    expect(Object.keys(summary.trace).sort()).toEqual(['durationS', 'name', 'requests', 'transform']);
    expect(summary.trace.name).toBe('mooncake_conversation_trace.jsonl');
    expect(summary.trace.transform).toMatch(/slice/);
    expect(summary.slo).toEqual({ ttftMs: 2000, tpotMs: 50, quantile: 'p99' });
    expect(summary.results.map((x) => x.name)).toEqual([
      'pdscaler',
      'static-peak',
      'hpa-queue',
      'dynamo-sla',
      'heteroscale',
      'blitzscale-bands',
      'oracle',
    ]);
    for (const result of summary.results) {
      expect(Object.keys(result).sort()).toEqual([
        'directionChanges',
        'goodputPerGpuHour',
        'gpuHours',
        'name',
        'peakReplicas',
        'ratioDeviation',
        'scaleEvents',
        'sloAttainment',
        'timeToRecover',
      ]);
      expect(Object.keys(result.timeToRecover as object).sort()).toEqual([
        'loadSteps',
        'maxS',
        'meanS',
        'unrecovered',
      ]);
      // Goodput is the requests meeting both SLOs over the GPU-hours.
      const metBoth = (result.sloAttainment.both ?? NaN) * (summary.trace.requests as number);
      expect(result.goodputPerGpuHour).toBeCloseTo(metBoth / (result.gpuHours as number), 0);
      expect(result.ratioDeviation).toBe(0); // the policy has no ratio band
      expect(Object.keys(result.sloAttainment).sort()).toEqual(['both', 'tpot', 'ttft']);
      for (const value of Object.values(result.sloAttainment)) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
      }
    }
  });

  it('writes a self-contained HTML report with the summary table and the charts', async () => {
    const report = join(tmp, 'report.html');
    const r = await run([
      'backtest',
      '--policy',
      'policies/code-assistant-h200.yaml',
      '--trace',
      azure,
      '--transform',
      'slice:0s-10m',
      '--baselines',
      'heteroscale,oracle',
      '--report',
      report,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`report: ${report}`);
    // The text table carries the new measures too.
    expect(r.stdout).toMatch(/goodput\/GPU-h +ratio dev\. +recover mean\/max s/);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('pdscaler backtest');
    expect(html).toContain('AzureLLMInferenceTrace_code.csv');
    expect(html).toMatch(/<dt>heteroscale<\/dt><dd>fixed P\/D ratio \d+:\d+ chosen offline/);
    expect(html).toContain('<h2>Recovery after load steps</h2>');
    expect(html).toContain('Goodput per GPU-hour');
    expect(html.match(/<svg[^>]*class="chart"/g)?.length ?? 0).toBeGreaterThanOrEqual(5);
  });

  const examples = readdirSync(join(root, 'policies')).filter((f) => f.endsWith('.yaml'));
  it.each(examples)(
    'backtests policies/%s against the oracle on ten minutes of the Azure trace',
    async (file) => {
      const r = await run([
        'backtest',
        '--policy',
        `policies/${file}`,
        '--trace',
        azure,
        '--transform',
        'slice:0s-10m',
        '--baselines',
        'oracle',
        '--json',
      ]);
      expect(r.code).toBe(0);
      const summary = JSON.parse(r.stdout) as Summary;
      const pdscaler = summary.results.find((x) => x.name === 'pdscaler');
      expect(pdscaler?.sloAttainment.both).toBeGreaterThan(0.8);
    },
  );

  it.each([
    [['--transform', 'scale:x'], /--transform "scale:x": FACTOR must be a number/],
    [['--baselines', 'hpa,oracle'], /--baselines: unknown "hpa"/],
    [['--cold-start', 'soon'], /--cold-start "soon": a duration/],
    [['--profile', 'h100-unknown'], /--profile "h100-unknown" is not a known profile/],
  ])('refuses %j with a specific message and exit code 2', async (extra, message) => {
    const r = await run(['backtest', '--policy', 'policies/chat-h200.yaml', '--trace', azure, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('refuses a trace with a bad row, naming the file and line', async () => {
    const trace = join(tmp, 'bad.csv');
    writeFileSync(trace, 'timestamp_ms,input_tokens,output_tokens\n0,100,10\n5,abc,10\n');
    const r = await run(['backtest', '--policy', 'policies/chat-h200.yaml', '--trace', trace]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.csv:3: input_tokens/);
  });

  it('refuses an invalid policy with FILE:LINE:COL', async () => {
    const policy = join(tmp, 'bad.yaml');
    writeFileSync(policy, 'apiVersion: pdscaler.io/v1alpha1\nkind: ScalingPolicy\nspec: 3\n');
    const r = await run(['backtest', '--policy', policy, '--trace', azure]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: /);
  });
});
