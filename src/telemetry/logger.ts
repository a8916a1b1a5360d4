// SPDX-License-Identifier: Apache-2.0
// The logger contract the rest of the code depends on: pino's, so main.ts passes a pino root and
// tests pass a sink (pino test/helper.js style), and children carry { policy, role } bindings.
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type Logger = Pick<PinoLogger, 'debug' | 'info' | 'warn' | 'error' | 'child'>;

/** A JSON-lines logger writing to `destination` (stderr by default). */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    { level: options.level ?? 'info', base: { name: 'pdscaler' } },
    options.destination ?? pino.destination(2),
  );
}
