// SPDX-License-Identifier: Apache-2.0
// Finds and runs Debian's `chromium` headless for tests that must see a page really rendered. Each run
// gets its own profile directory (parallel runs must not share one) and its own process group, so a
// hung browser is killed with all its helper processes when the timeout fires.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSystemBinary } from './system-binary.js';

export const CHROMIUM_MISSING =
  'no chromium binary (/usr/bin/chromium): install the Debian package `chromium`' +
  ' (apt-get install -y --no-install-recommends chromium)';

/** `PDSCALER_CHROMIUM_BIN` when set (and only it), else `/usr/bin/chromium`, else `chromium` on PATH. */
export function findChromium(): string | undefined {
  return findSystemBinary('chromium', 'PDSCALER_CHROMIUM_BIN');
}

export interface ChromiumRun {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `binary` headless with `args` appended and resolves with its output once it exits with 0.
 * `--no-sandbox` because CI runs as root, where Chromium refuses to start sandboxed.
 */
export async function runHeadless(
  binary: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<ChromiumRun> {
  const profile = await mkdtemp(join(tmpdir(), 'pdscaler-chromium-'));
  const child = spawn(
    binary,
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--no-first-run',
      '--no-default-browser-check',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const killGroup = (): void => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone between the check and the kill.
      }
    }
  };
  process.once('exit', killGroup);
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8_000);
  });
  try {
    const outcome = await new Promise<string | undefined>((resolve, reject) => {
      const timer = setTimeout(() => {
        killGroup();
        resolve(`timed out after ${timeoutMs} ms`);
      }, timeoutMs);
      child.once('error', reject);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve(code === 0 ? undefined : `exited with ${code ?? signal ?? 'unknown'}`);
      });
    });
    if (outcome !== undefined) throw new Error(`chromium ${outcome}; stderr:\n${stderr}`);
    return { stdout: Buffer.concat(stdout).toString('utf8'), stderr };
  } finally {
    process.removeListener('exit', killGroup);
    await rm(profile, { recursive: true, force: true });
  }
}
