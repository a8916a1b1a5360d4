// SPDX-License-Identifier: Apache-2.0
// A request trace as the simulator replays it: arrivals relative to the trace start, in time order,
// plus the record of every transform applied to it (each one is stated in the backtest report).

/** One request: when it arrives and how many prompt and output tokens it has. */
export interface TraceRequest {
  /** Milliseconds since the trace start (>= 0). */
  readonly arrivalMs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** A transform applied to a trace, with its parameters and a one-line description for the report. */
export interface TransformRecord {
  readonly kind: 'synth' | 'scale' | 'compress' | 'splice' | 'day-shape' | 'slice';
  readonly params: Readonly<Record<string, number | string>>;
  /** E.g. "rate x10 (seed 1: 9 copies + thinning, copies offset within 1.5 s)". */
  readonly description: string;
}

export interface Trace {
  /** File name (without directory) or a derived name. */
  readonly name: string;
  /** Sorted by `arrivalMs` (stable for ties). */
  readonly requests: readonly TraceRequest[];
  /** From 0 to the last arrival, in seconds. */
  readonly durationS: number;
  readonly transforms: readonly TransformRecord[];
}
