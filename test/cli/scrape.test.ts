// SPDX-License-Identifier: Apache-2.0
// `pdscaler scrape` in-process (runCli), against the shared captures and a loopback engine.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { HttpTarget } from '../fakes/http-target.js';

const fixtures = new URL('../../data/fixtures/engine-metrics/', import.meta.url).pathname;
const vllmCapture = join(fixtures, 'vllm-dynamo-metrics-examples.prom');

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

let engine: HttpTarget;
beforeAll(async () => {
  engine = await HttpTarget.start((req, res) => {
    if (req.url === '/metrics')
      res.writeHead(200).end('vllm:num_requests_waiting{engine="0",model_name="m"} 3\n');
    else res.writeHead(500).end();
  });
});
afterAll(async () => {
  await engine.close();
});

describe('pdscaler scrape', () => {
  it('prints the normalized sample of the vLLM capture as JSON', async () => {
    const r = await cli(['scrape', '--engine', 'vllm', '--file', vllmCapture, '--json']);
    expect(r.code).toBe(0);
    const sample = JSON.parse(r.stdout) as {
      engine: string;
      counters: Record<string, number>;
      histograms: { ttftSeconds: { count: number; buckets: { le: number | string }[] } };
    };
    expect(sample.engine).toBe('vllm');
    expect(sample.counters).toMatchObject({ requestsFinished: 2, promptTokens: 66, generationTokens: 600 });
    expect(sample.histograms.ttftSeconds.count).toBe(2);
    expect(sample.histograms.ttftSeconds.buckets.at(-1)?.le).toBe('+Inf');
  });

  it('prints a readable summary without --json', async () => {
    const r = await cli(['scrape', '--engine', 'vllm', '--file', vllmCapture]);
    expect(r.stdout).toContain('engine vllm, scraped 2026-01-05T00:00:00.000Z');
    expect(r.stdout).toContain('  ttftSeconds count 2, sum 0.4143967628479004, 23 buckets');
  });

  it('scrapes a live endpoint over HTTP', async () => {
    const r = await cli(['scrape', '--engine', 'vllm', '--url', engine.url(), '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { gauges: { waitingRequests: number } }).gauges.waitingRequests).toBe(3);
  });

  it.each([
    {
      name: 'an unknown engine',
      args: ['--engine', 'tgi', '--file', vllmCapture],
      want: '--engine tgi: must be one of vllm, sglang, dynamo\n',
    },
    {
      name: 'both --file and --url',
      args: ['--engine', 'vllm', '--file', vllmCapture, '--url', 'http://127.0.0.1:1/'],
      want: 'give exactly one of --file or --url\n',
    },
    {
      name: 'a page of another engine',
      args: ['--engine', 'sglang', '--file', vllmCapture],
      wantPrefix: `${vllmCapture}: `,
    },
    {
      name: 'an HTTP error',
      args: ['--engine', 'vllm', '--url', 'BASE/nope'],
      wantPrefix: 'SCRAPE_HTTP_STATUS: HTTP 500',
    },
  ])('exits 2 with a clear message for $name', async ({ args, want, wantPrefix }) => {
    const r = await cli(['scrape', ...args.map((a) => a.replace('BASE', engine.url('')))]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    if (want !== undefined) expect(r.stderr).toBe(want);
    if (wantPrefix !== undefined) expect(r.stderr.startsWith(wantPrefix)).toBe(true);
  });

  it('exits 2 with FILE:LINE:COL for a malformed page', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdscaler-scrape-'));
    const bad = join(dir, 'bad.prom');
    writeFileSync(bad, '# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{engine="0" 3\n');
    const r = await cli(['scrape', '--engine', 'vllm', '--file', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${bad}:2:38: expected , or } after a label value\n`);
  });
});
