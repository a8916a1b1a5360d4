// SPDX-License-Identifier: Apache-2.0
// `pdscaler demo` (what `npm start` runs): the live demo on one machine until Ctrl-C.
import { startDemo } from '../demo/run-demo.js';
import { systemTimers } from '../sources/discovery/pods.js';
import { createLogger } from '../telemetry/logger.js';
import { ExitCode, type CliIo } from './io.js';

export interface DemoCommandOptions {
  readonly port: string;
  readonly day: string;
  readonly profilesDir?: string;
  readonly logLevel?: string;
}

function positiveInt(text: string, what: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${what} = ${JSON.stringify(text)}, must be an integer >= ${min}`);
  return value;
}

export async function runDemo(options: DemoCommandOptions, io: CliIo): Promise<ExitCode> {
  let statusPort: number;
  let dayS: number;
  try {
    statusPort = positiveInt(options.port, '--port', 0);
    dayS = positiveInt(options.day, '--day', 60);
  } catch (error) {
    io.stderr(`pdscaler demo: ${(error as Error).message}\n`);
    return ExitCode.invalid;
  }
  if (io.untilShutdown === undefined) {
    io.stderr('pdscaler demo: this process cannot receive stop signals\n');
    return ExitCode.internal;
  }
  // Decisions at info, the engines' and the API's chatter at warn: the terminal stays readable.
  const logger = createLogger({ level: options.logLevel ?? io.env.PDSCALER_LOG_LEVEL ?? 'warn' });
  let demo;
  try {
    demo = await startDemo({
      statusPort,
      dayS,
      ...(options.profilesDir === undefined ? {} : { profilesDir: options.profilesDir }),
      logger,
      nowMs: io.nowMs,
      timers: systemTimers,
      announce: (line) => {
        io.stdout(`${line}\n`);
      },
    });
  } catch (error) {
    io.stderr(`pdscaler demo: ${(error as Error).message}\n`);
    return ExitCode.internal;
  }
  io.stdout('demo running: press Ctrl-C to stop\n');
  await io.untilShutdown();
  await demo.stop();
  io.stdout('demo stopped\n');
  return ExitCode.ok;
}
