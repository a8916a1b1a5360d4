// SPDX-License-Identifier: Apache-2.0
// What a workload family is: a named generator of requests from the options every family shares
// (seed, peak rate, duration, length mix). Each family lives in its own file; families.ts lists them.
import type { TraceRequest } from '../types.js';
import type { LengthMix, LengthMixName } from './lengths.js';

export interface FamilyOptions {
  /** Fixes every random draw (integer >= 0). */
  readonly seed: number;
  /** The family's peak request rate, req/s (its description says what peak means for it). */
  readonly ratePerS: number;
  readonly durationS: number;
  /** Request sizes; a family that is about lengths (heavy-tail, prompt-shift) states how it uses them. */
  readonly lengths: LengthMixName;
}

export interface FamilyOutput {
  readonly requests: readonly TraceRequest[];
  /** One line for the report: the arrival process and the lengths, with every constant. */
  readonly description: string;
}

export interface WorkloadFamily {
  readonly name: string;
  /** What the family stresses, for `--help` and the docs. */
  readonly summary: string;
  /** Defaults of the shared options; the CLI and the suite fill what they do not set from these. */
  readonly defaults: { readonly durationS: number; readonly lengths: LengthMixName };
  /** Shortest and longest durations the family's shape makes sense over, seconds. */
  readonly durationRangeS: readonly [min: number, max: number];
  readonly generate: (options: FamilyOptions, random: () => number) => FamilyOutput;
}

/** Requests at the given arrival times, sizes drawn from `mix` (prompt then output, per request). */
export function sizedRequests(
  arrivalsMs: readonly number[],
  mix: LengthMix,
  random: () => number,
): TraceRequest[] {
  return arrivalsMs.map((arrivalMs) => ({
    arrivalMs,
    inputTokens: mix.prompt(random),
    outputTokens: mix.output(random),
  }));
}

/** Four significant digits, without trailing zeros. */
export const show = (value: number): string => String(Number(value.toPrecision(4)));
