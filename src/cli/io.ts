// SPDX-License-Identifier: Apache-2.0
// What CLI commands need from the process, injected so tests can run them in-process.

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The one real clock of the CLI. */
  readonly nowMs: () => number;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** True when stderr is a terminal: long-running commands then draw a progress bar there. */
  readonly stderrIsTty?: boolean;
  /** Resolves with the signal name when the process is asked to stop (SIGINT, SIGTERM): long-running commands. */
  readonly untilShutdown?: () => Promise<string>;
}

/** Exit codes from docs/design.md: 0 ok, 2 invalid input, 1 internal error. */
export const ExitCode = { ok: 0, internal: 1, invalid: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
