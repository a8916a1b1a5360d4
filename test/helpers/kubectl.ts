// SPDX-License-Identifier: Apache-2.0
// A real kubectl for tests (Debian package `kubernetes-client`, 1.20 in CI). Outside CI a missing
// binary skips the test file with a message naming the package; under CI=true the file fails.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findSystemBinary } from './system-binary.js';

const run = promisify(execFile);

/** `PDSCALER_KUBECTL` when set (and only it), else `/usr/bin/kubectl`, else `kubectl` on PATH. */
export const kubectlBinary = findSystemBinary('kubectl', 'PDSCALER_KUBECTL');
export const kubectlMissing =
  'no kubectl binary (/usr/bin/kubectl): install the Debian package `kubernetes-client`' +
  ' (apt-get install -y --no-install-recommends kubernetes-client)';
export const skipKubectl = kubectlBinary === undefined && process.env.CI !== 'true';

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kubectl with `--kubeconfig` and a private cache dir; a non-zero exit is a result, not an exception. */
export async function kubectl(
  target: { readonly kubeconfig: string; readonly cacheDir: string },
  ...args: string[]
): Promise<KubectlResult> {
  if (kubectlBinary === undefined) throw new Error(`CI=true but ${kubectlMissing}`);
  const argv = ['--kubeconfig', target.kubeconfig, '--cache-dir', target.cacheDir, ...args];
  try {
    const { stdout, stderr } = await run(kubectlBinary, argv, { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
