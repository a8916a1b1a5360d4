// SPDX-License-Identifier: Apache-2.0
// Composition root: the only place that touches process globals. Wiring only.
import { runCli } from './cli/program.js';

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  nowMs: () => Date.now(),
  env: process.env,
  stderrIsTty: process.stderr.isTTY,
  untilShutdown: () =>
    new Promise<string>((resolve) => {
      const stop = (signal: NodeJS.Signals): void => {
        process.removeAllListeners('SIGINT').removeAllListeners('SIGTERM');
        // A second signal while stopping exits at once (the usual Ctrl-C Ctrl-C).
        process.once('SIGINT', () => process.exit(130)).once('SIGTERM', () => process.exit(143));
        resolve(signal);
      };
      process.once('SIGINT', stop).once('SIGTERM', stop);
    }),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `pdscaler: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
