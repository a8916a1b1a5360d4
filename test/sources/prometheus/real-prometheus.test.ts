// SPDX-License-Identifier: Apache-2.0
// Integration test with a REAL Prometheus (Debian package `prometheus`): it scrapes fake vLLM engines
// every second, and pdscaler's queries must return the values the fake engines imply. Outside CI a
// missing binary skips this file with a message; under CI=true it fails.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freeLoopbackPort } from '../../fakes/ports.js';
import { findSystemBinary } from '../../helpers/system-binary.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { queryValue } from '../../../src/sources/prometheus/client.js';
import type { PromClientConfig } from '../../../src/sources/prometheus/client.js';
import { queryRoleSignals } from '../../../src/sources/prometheus/source.js';
import type { RoleSignals, SignalReading } from '../../../src/sources/prometheus/source.js';
import { PromSignals } from '../../../src/sources/prometheus/templates.js';
import type { RoleQueryOptions } from '../../../src/sources/prometheus/templates.js';
import { startFakeVllm } from '../../fakes/fake-engine.js';
import type { FakeEngine, FakeVllmSpec } from '../../fakes/fake-engine.js';

/** `PDSCALER_PROMETHEUS_BIN` when set (and only it), else `/usr/bin/prometheus`, else `prometheus` on PATH. */
function findPrometheus(): string | undefined {
  return findSystemBinary('prometheus', 'PDSCALER_PROMETHEUS_BIN');
}

const binary = findPrometheus();
const missing =
  'no prometheus binary (/usr/bin/prometheus): install the Debian package `prometheus`' +
  ' (apt-get install -y --no-install-recommends prometheus)';
const skip = binary === undefined && process.env.CI !== 'true';
if (skip) console.warn(`real-prometheus.test.ts skipped: ${missing}`);

const WINDOW_S = 5;
const DEADLINE_MS = 30_000;
const NAMESPACE = 'serving';
const RBG = 'llama';
const GROUP = 'rbg_workloads_x_k8s_io_group_name';
const ROLE = 'rbg_workloads_x_k8s_io_role_name';
/** A valid but awkward RBG name: the escaping must make it match exactly. */
const AWKWARD_RBG = 'we"ird\\name\nwith newline';

// Per second, by hand: prefill-0 runs two DP engines (split evenly), prefill-1 one.
const prefill0: FakeVllmSpec = {
  modelName: 'meta-llama/Llama-3.1-8B-Instruct',
  engines: 2,
  requestsPerS: 10,
  promptTokens: [{ value: 500, perS: 10 }],
  generationTokens: [{ value: 200, perS: 10 }],
  ttftSeconds: [
    { value: 0.03, perS: 2 },
    { value: 0.2, perS: 6 },
    { value: 0.4, perS: 2 },
  ],
  itlSeconds: [
    { value: 0.005, perS: 50 },
    { value: 0.02, perS: 30 },
    { value: 0.04, perS: 20 },
  ],
  waiting: 3,
  running: 7,
  kvCacheUsage: 0.4,
};
const prefill1: FakeVllmSpec = {
  modelName: 'meta-llama/Llama-3.1-8B-Instruct',
  requestsPerS: 5,
  promptTokens: [{ value: 1100, perS: 5 }],
  generationTokens: [{ value: 100, perS: 5 }],
  ttftSeconds: [
    { value: 0.03, perS: 1 },
    { value: 0.2, perS: 3 },
    { value: 0.4, perS: 1 },
  ],
  itlSeconds: [
    { value: 0.005, perS: 25 },
    { value: 0.02, perS: 15 },
    { value: 0.04, perS: 10 },
  ],
  waiting: 1,
  running: 2,
  kvCacheUsage: 0.6,
};
// No finished requests and no TTFT observations: the rate is a true 0, the TTFT quantile NaN.
const decode0: FakeVllmSpec = {
  modelName: 'meta-llama/Llama-3.1-8B-Instruct',
  requestsPerS: 0,
  promptTokens: [],
  generationTokens: [],
  ttftSeconds: [],
  itlSeconds: [
    { value: 0.008, perS: 60 },
    { value: 0.03, perS: 40 },
  ],
  waiting: 0,
  running: 40,
  kvCacheUsage: 0.9,
};

let engines: FakeEngine[] = [];
let prometheus: ChildProcess | undefined;
let promLog = '';
let dataDir: string | undefined;
let client: PromClientConfig;
const killOnExit = (): void => {
  prometheus?.kill('SIGKILL');
};

/** Polls `check` until it returns true; fails with `what` and Prometheus' log at the deadline. */
async function until(what: string, deadlineMs: number, check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) {
    if (prometheus?.exitCode !== null)
      throw new Error(`prometheus exited while waiting for ${what}:\n${promLog}`);
    if (Date.now() > deadlineMs)
      throw new Error(`timed out waiting for ${what}; prometheus log:\n${promLog}`);
    await delay(100);
  }
}

async function value(query: string): Promise<number | undefined> {
  const result = await queryValue(client, query, { timeMs: Date.now() });
  return result.ok ? result.value.value : undefined;
}

function known(reading: SignalReading): number {
  if ('error' in reading)
    throw new Error(`${reading.error.code}: ${reading.error.message} (${reading.query})`);
  return reading.value;
}

/**
 * `actual` within `relative` of `want`. Rates get 5 %: the fake computes a value when the scrape
 * arrives, Prometheus stamps it at the scheduled scrape time, and a loaded machine skews the two.
 * Means and quantiles are ratios of values taken at the same instant, so they get 1 %.
 */
function expectNear(actual: number, want: number, relative = 0.05): void {
  expect(Math.abs(actual - want)).toBeLessThanOrEqual(Math.abs(want) * relative);
}

const role = (overrides: Partial<RoleQueryOptions> = {}): RoleQueryOptions => ({
  namespace: NAMESPACE,
  rbg: RBG,
  role: 'prefill',
  windowS: WINDOW_S,
  quantile: 0.9,
  ...overrides,
});

const signalsOf = (options: RoleQueryOptions): Promise<RoleSignals> =>
  queryRoleSignals({ client, engine: 'vllm', role: options }, Date.now);

describe.skipIf(skip)(skip ? `real Prometheus (skipped: ${missing})` : 'real Prometheus', () => {
  beforeAll(async () => {
    if (binary === undefined) throw new Error(`CI=true but ${missing}`);
    engines = await Promise.all([prefill0, prefill1, decode0].map((spec) => startFakeVllm(spec)));
    const [p0, p1, d0] = engines as [FakeEngine, FakeEngine, FakeEngine];
    const group = (target: string, labels: Record<string, string>) => ({
      targets: [target],
      labels: { namespace: NAMESPACE, [GROUP]: RBG, ...labels },
    });
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1m' },
      scrape_configs: [
        {
          job_name: 'fake-vllm',
          static_configs: [
            group(p0.target, { [ROLE]: 'prefill', pod: 'llama-prefill-0' }),
            group(p1.target, { [ROLE]: 'prefill', pod: 'llama-prefill-1' }),
            group(d0.target, { [ROLE]: 'decode', pod: 'llama-decode-0' }),
            // prefill-1 once more, as the prefill pod of an RBG with an awkward name.
            group(p1.target, { [GROUP]: AWKWARD_RBG, [ROLE]: 'prefill', pod: 'awkward-prefill-0' }),
          ],
        },
      ],
    };
    dataDir = await mkdtemp(join(tmpdir(), 'pdscaler-prometheus-'));
    const configFile = join(dataDir, 'prometheus.yml');
    await writeFile(configFile, stringify(config));
    const port = await freeLoopbackPort();
    client = { baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2_000 };
    const child = spawn(
      binary,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dataDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus = child;
    process.once('exit', killOnExit);
    child.stderr.on('data', (chunk: Buffer) => {
      promLog = (promLog + chunk.toString()).slice(-8_000);
    });
    const deadline = Date.now() + DEADLINE_MS;
    await until('/-/ready', deadline, async () => {
      try {
        return (await fetch(`${client.baseUrl}/-/ready`)).ok;
      } catch {
        return false;
      }
    });
    // Every target scraped once, then a full window of samples, so rate() covers the whole range.
    await until(
      'all 4 targets up',
      deadline,
      async () => (await value('count(up{job="fake-vllm"} == 1)')) === 4,
    );
    const windowCoveredAt = Date.now() + (WINDOW_S + 2) * 1000;
    await until('a full rate window of samples', deadline, () =>
      Promise.resolve(Date.now() >= windowCoveredAt),
    );
  }, DEADLINE_MS + 10_000);

  afterAll(async () => {
    const child = prometheus;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => {
        child.once('exit', () => {
          resolve();
        });
      });
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', killOnExit);
    await Promise.all(engines.map((engine) => engine.close()));
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  }, 15_000);

  it('prefill: sums over pods and DP engines, means and quantiles as the fake engines imply', async () => {
    const s = await signalsOf(role());
    expectNear(known(s.requestRatePerS), 15); // 10 + 5 req/s
    expectNear(known(s.inputTokensMean), (10 * 500 + 5 * 1100) / 15, 0.005); // 700, not the mean of means
    expectNear(known(s.outputTokensMean), (10 * 200 + 5 * 100) / 15, 0.005); // 166.7
    // TTFT per second: 3 at 30 ms (le 0.04), 9 at 200 ms (le 0.25), 3 at 400 ms (le 0.5); rank 13.5 of 15
    // falls in (250, 500] ms: 250 + 250 x (13.5 - 12) / 3 = 375 ms.
    const ttft = known(s.ttftMs);
    expect(ttft).toBeGreaterThan(250);
    expect(ttft).toBeLessThanOrEqual(500);
    expectNear(ttft, 375, 0.01);
    // ITL per second: 75 at 5 ms (le 0.01), 45 at 20 ms (le 0.025), 30 at 40 ms (le 0.05); rank 135 of 150
    // falls in (25, 50] ms: 25 + 25 x (135 - 120) / 30 = 37.5 ms.
    const tpot = known(s.tpotMs);
    expect(tpot).toBeGreaterThan(25);
    expect(tpot).toBeLessThanOrEqual(50);
    expectNear(tpot, 37.5, 0.01);
    expect(known(s.waitingRequests)).toBe(4);
    expect(known(s.runningRequests)).toBe(9);
    expectNear(known(s.kvCacheUsage), (0.4 + 0.4 + 0.6) / 3, 1e-9); // averaged over the 3 engines
  });

  it('the quantile is a parameter: p50 TTFT falls in (100, 250] ms', async () => {
    // Rank 7.5 of 15: 100 + 150 x (7.5 - 3) / 9 = 175 ms.
    const ttft = known((await signalsOf(role({ quantile: 0.5 }))).ttftMs);
    expect(ttft).toBeGreaterThan(100);
    expect(ttft).toBeLessThanOrEqual(250);
    expectNear(ttft, 175, 0.01);
  });

  it('decode: a true 0 rate stays 0, a quantile with no observations is unknown (PROM_NAN)', async () => {
    const s = await signalsOf(role({ role: 'decode' }));
    expect(known(s.requestRatePerS)).toBe(0);
    expect(s.ttftMs).toMatchObject({ error: { code: 'PROM_NAN' } });
    expect(s.inputTokensMean).toMatchObject({ error: { code: 'PROM_NAN' } }); // 0 / 0
    // ITL per second: 60 at 8 ms, 40 at 30 ms; rank 90 of 100 in (25, 50]: 25 + 25 x 30 / 40 = 43.75 ms.
    expectNear(known(s.tpotMs), 43.75, 0.01);
    expect(known(s.runningRequests)).toBe(40);
    expect(known(s.waitingRequests)).toBe(0);
    expectNear(known(s.kvCacheUsage), 0.9, 1e-9);
  });

  it('selecting by pod names gives the same role', async () => {
    const s = await signalsOf(role({ pods: ['llama-prefill-0', 'llama-prefill-1'] }));
    expectNear(known(s.requestRatePerS), 15);
    expect(known(s.runningRequests)).toBe(9);
  });

  it('a hostile RBG name cannot inject PromQL: every signal is PROM_EMPTY, not vector(1)', async () => {
    const s = await signalsOf(role({ rbg: 'a"} or vector(1) #' }));
    for (const signal of PromSignals) expect(s[signal]).toMatchObject({ error: { code: 'PROM_EMPTY' } });
  });

  it('an awkward but real RBG name (quote, backslash, newline) matches exactly', async () => {
    const s = await signalsOf(role({ rbg: AWKWARD_RBG }));
    expectNear(known(s.requestRatePerS), 5);
    expect(known(s.runningRequests)).toBe(2);
  });

  it('an unknown RBG is unknown, not 0', async () => {
    const s = await signalsOf(role({ rbg: 'no-such-rbg' }));
    for (const signal of PromSignals) expect(s[signal]).toMatchObject({ error: { code: 'PROM_EMPTY' } });
  });

  it('real Prometheus errors are named: bad PromQL is PROM_ERROR, a missing sum is PROM_MULTIPLE_SERIES', async () => {
    const s = await signalsOf(
      role({
        templates: {
          requestRatePerS: 'sum(rate(vllm:request_success_total{<<selector>>}[<<window>>])',
          runningRequests: 'vllm:num_requests_running{<<selector>>}',
        },
      }),
    );
    expect(s.requestRatePerS).toMatchObject({ error: { code: 'PROM_ERROR' } });
    expect('error' in s.requestRatePerS && s.requestRatePerS.error.message).toMatch(
      /^Prometheus error \(HTTP 400, bad_data\): /,
    );
    expect(s.runningRequests).toMatchObject({ error: { code: 'PROM_MULTIPLE_SERIES' } });
    expect('error' in s.runningRequests && s.runningRequests.error.message).toMatch(
      /^expected one series, got 3: /,
    );
    expect(known(s.waitingRequests)).toBe(4); // the other signals are unaffected
  });
});
