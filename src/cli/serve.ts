// SPDX-License-Identifier: Apache-2.0
// `pdscaler serve --config FILE`: load the config and every policy once (any problem is FILE:LINE:COL
// and exit 2), start the mode's outputs and the loops, run until SIGINT/SIGTERM, then stop cleanly
// (ticks finished, servers closed, lease released so a standby takes over at once).
import { ApiServiceOwnedElsewhereError } from '../kube/apiservice.js';
import { loadServeConfig } from '../loop/config.js';
import { startServe } from '../loop/serve-runtime.js';
import { formatIssue } from '../policy/issue.js';
import { systemTimers } from '../sources/discovery/pods.js';
import { createLogger } from '../telemetry/logger.js';
import { ExitCode, type CliIo } from './io.js';

export interface ServeOptions {
  readonly config: string;
  readonly profilesDir?: string;
  readonly logLevel?: string;
}

export async function runServe(options: ServeOptions, io: CliIo): Promise<ExitCode> {
  const loaded = loadServeConfig(
    options.config,
    options.profilesDir === undefined ? {} : { profilesDir: options.profilesDir },
  );
  if (!loaded.ok) {
    for (const issue of loaded.issues) io.stderr(`${formatIssue(issue)}\n`);
    return ExitCode.invalid;
  }
  if (io.untilShutdown === undefined) {
    io.stderr('pdscaler serve: this process cannot receive stop signals\n');
    return ExitCode.internal;
  }
  const logger = createLogger({ level: options.logLevel ?? io.env.PDSCALER_LOG_LEVEL ?? 'info' });
  let running;
  try {
    running = await startServe(loaded.config, {
      logger,
      nowMs: io.nowMs,
      timers: systemTimers,
      env: io.env,
      announce: (line) => {
        io.stdout(`${line}\n`);
      },
    });
  } catch (error) {
    io.stderr(`pdscaler serve: ${(error as Error).message}\n`);
    return error instanceof ApiServiceOwnedElsewhereError ? ExitCode.invalid : ExitCode.internal;
  }
  const signal = await io.untilShutdown();
  logger.info({ signal }, 'stopping');
  await running.stop();
  logger.info('stopped');
  return ExitCode.ok;
}
