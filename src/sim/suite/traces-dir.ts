// SPDX-License-Identifier: Apache-2.0
// Where the suite reads its traces: `--traces-dir`, else env PDSCALER_TRACES_DIR, else the repository's
// data/traces (data/traces/README.md; an installed package carries only the Mooncake trace).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { shippedTracesDir } from '../../package-root.js';

export const tracesDirEnv = 'PDSCALER_TRACES_DIR';

export const defaultTracesDir = shippedTracesDir;

/** The directory to read, or a message naming the flag and the variable that set it otherwise. */
export function resolveTracesDir(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { readonly ok: true; readonly dir: string } | { readonly ok: false; readonly message: string } {
  const fromEnv = env[tracesDirEnv];
  const dir = resolve(flag ?? (fromEnv === undefined || fromEnv === '' ? defaultTracesDir : fromEnv));
  return existsSync(dir)
    ? { ok: true, dir }
    : { ok: false, message: `traces directory ${dir} does not exist (set --traces-dir or ${tracesDirEnv})` };
}
