// SPDX-License-Identifier: Apache-2.0
// `npm start` end to end: the live demo starts on a fresh build, announces its endpoints, makes its
// first decision well within 60 s, and its status page, opened in Debian's headless chromium, updates
// its charts at least twice and renders a screenshot that is not blank. Ctrl-C (SIGINT to the process
// group, as a terminal sends it) stops everything: exit 0 and no process left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_MISSING, findChromium, runHeadless } from '../helpers/chromium.js';
import { decodePng, nonWhiteFraction, PNG_SIGNATURE } from '../helpers/png.js';
import { repoRoot, until } from './harness.js';

const binary = findChromium();
const skip = binary === undefined && process.env.CI !== 'true';
if (skip) console.warn(`demo.test.ts skipped: ${CHROMIUM_MISSING}`);

let child: ChildProcess;
const stdout: string[] = [];
let startedMs = 0;
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

function announced(pattern: RegExp): string | undefined {
  for (const line of stdout.join('').split('\n')) {
    const match = pattern.exec(line);
    if (match !== null) return match[1];
  }
  return undefined;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(() => {
  startedMs = Date.now();
  // Its own process group, like a terminal's foreground job: Ctrl-C reaches npm and node alike.
  child = spawn('npm', ['start', '--silent', '--', '--port', '0'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PDSCALER_LOG_LEVEL: 'warn' },
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
  child.stderr?.resume();
  exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
});

afterAll(() => {
  if (child.pid !== undefined && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
});

describe.skipIf(skip)(skip ? `npm start (skipped: ${CHROMIUM_MISSING})` : 'npm start: the live demo', () => {
  let pageUrl: string;

  it('announces the status page, the external metrics API and the KEDA scaler', async () => {
    pageUrl = await until(
      () => announced(/^status page: (http:\/\/127\.0\.0\.1:\d+\/)$/),
      30_000,
      'the status page line',
    );
    await until(() => announced(/^(demo running)/), 30_000, 'every endpoint announced');
    expect(
      announced(
        /^(external metrics API: https:\/\/127\.0\.0\.1:\d+\/apis\/external\.metrics\.k8s\.io\/v1beta1)$/,
      ),
    ).toBeDefined();
    expect(announced(/^(KEDA external scaler: 127\.0\.0\.1:\d+ \(policy=demo\/demo-chat\))$/)).toBeDefined();
  }, 40_000);

  it('makes its first decision within 60 s of npm start', async () => {
    let firstDecisionMs = 0;
    for (;;) {
      const status = (await (await fetch(new URL('status.json', pageUrl))).json()) as {
        policies?: { decision?: { roles: Record<string, { boundBy: string }> } | null }[];
      };
      // The first tick holds (no rate window yet); the first decision made from measured demand counts.
      const decided = status.policies?.[0]?.decision;
      if (decided != null && Object.values(decided.roles).every((r) => r.boundBy !== 'missing-metrics')) {
        firstDecisionMs = Date.now() - startedMs;
        break;
      }
      if (Date.now() - startedMs > 60_000) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`demo: first decision ${(firstDecisionMs / 1000).toFixed(1)} s after npm start`);
    expect(firstDecisionMs).toBeGreaterThan(0);
    expect(firstDecisionMs).toBeLessThan(60_000);
  }, 70_000);

  it('shows the charts updating twice in chromium and renders a non-blank screenshot', async () => {
    const { stdout: dom } = await runHeadless(
      binary!,
      ['--virtual-time-budget=8000', '--dump-dom', pageUrl],
      60_000,
    );
    const updates = Number(/<body[^>]*data-updates="(\d+)"/.exec(dom)?.[1] ?? '0');
    expect(updates).toBeGreaterThanOrEqual(2);
    expect(dom).toMatch(/<svg/);
    const out = join(mkdtempSync(join(tmpdir(), 'pdscaler-demo-shot-')), 'demo.png');
    await runHeadless(
      binary!,
      ['--window-size=1400,1800', '--virtual-time-budget=6000', `--screenshot=${out}`, pageUrl],
      60_000,
    );
    console.log(`demo: status page screenshot ${out}`);
    const png = readFileSync(out);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(nonWhiteFraction(decodePng(png))).toBeGreaterThan(0.02);
  }, 130_000);

  it('stops on Ctrl-C with exit 0 and leaves no process behind', async () => {
    process.kill(-child.pid!, 'SIGINT');
    // npm itself dies of the SIGINT it forwards (as in a terminal); the demo under it exits 0.
    const { code, signal } = await exited;
    expect(code === 0 || signal === 'SIGINT').toBe(true);
    await until(() => (groupAlive(child.pid!) ? undefined : true), 10_000, 'the process group to be gone');
    expect(stdout.join('')).toContain('demo stopped');
  }, 20_000);
});
