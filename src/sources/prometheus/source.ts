// SPDX-License-Identifier: Apache-2.0
// The Prometheus source for one role: render the engine's templates, run them concurrently at one
// evaluation time taken from the injected clock, and return each signal as a value or the reason it
// is unknown. A failing query leaves only its own signal unknown; nothing here throws or returns 0
// for unknown.
import type { EpochMs, Quantile, RoleObservation } from '../../decision/types.js';
import { queryValue } from './client.js';
import type { PromClientConfig } from './client.js';
import { PromSignals, renderRoleQueries } from './templates.js';
import type { Engine, PromSignal, RoleQueryOptions } from './templates.js';
import type { PromError } from './types.js';

/** Reads the current time; the loop passes its clock, tests pass a fixed one. */
export type Clock = () => EpochMs;

/** One signal: a finite value at the evaluation time, or why it is unknown. */
export type SignalReading =
  | { readonly value: number; readonly atMs: EpochMs; readonly query: string }
  | { readonly error: PromError; readonly query: string | undefined };

/** Every signal of one role. */
export type RoleSignals = Readonly<Record<PromSignal, SignalReading>>;

/** What to query and where. */
export interface RoleSignalsRequest {
  readonly client: PromClientConfig;
  readonly engine: Engine;
  readonly role: RoleQueryOptions;
  /** Aborts every query of this role, e.g. at the tick deadline. */
  readonly signal?: AbortSignal;
}

/**
 * Queries every signal of one role concurrently, all evaluated at `clock()`. Invalid options leave
 * every signal unknown with `PROM_BAD_QUERY` and send nothing. `atMs` is the evaluation time asked for
 * (Prometheus evaluates an instant query at exactly that time and echoes it back).
 */
export async function queryRoleSignals(request: RoleSignalsRequest, clock: Clock): Promise<RoleSignals> {
  const rendered = renderRoleQueries(request.engine, request.role);
  if (!rendered.ok) {
    const reading: SignalReading = { error: rendered.error, query: undefined };
    return Object.fromEntries(PromSignals.map((s) => [s, reading])) as Record<PromSignal, SignalReading>;
  }
  const timeMs = clock();
  const options = request.signal === undefined ? { timeMs } : { timeMs, signal: request.signal };
  const readings = await Promise.all(
    PromSignals.map(async (signal): Promise<[PromSignal, SignalReading]> => {
      const query = rendered.value[signal];
      const result = await queryValue(request.client, query, options);
      return [
        signal,
        result.ok ? { value: result.value.value, atMs: timeMs, query } : { error: result.error, query },
      ];
    }),
  );
  return Object.fromEntries(readings) as Record<PromSignal, SignalReading>;
}

/** The value of a reading, or `undefined` when it is unknown. */
export function knownValue(
  reading: SignalReading,
): { readonly value: number; readonly atMs: EpochMs } | undefined {
  return 'value' in reading ? { value: reading.value, atMs: reading.atMs } : undefined;
}

/**
 * The role's observation from its signals: known signals become fields, unknown ones are left out
 * (never 0). Latency quantiles are filed under the policy's SLO quantile, which the templates used.
 */
export function toRoleObservation(signals: RoleSignals, quantile: Quantile): RoleObservation {
  const observation: { -readonly [K in keyof RoleObservation]?: RoleObservation[K] } = {};
  const counts = [
    'requestRatePerS',
    'inputTokensMean',
    'outputTokensMean',
    'waitingRequests',
    'runningRequests',
    'kvCacheUsage',
  ] as const satisfies readonly PromSignal[];
  for (const signal of counts) {
    const known = knownValue(signals[signal]);
    if (known !== undefined) observation[signal] = known;
  }
  for (const signal of ['ttftMs', 'tpotMs'] as const) {
    const known = knownValue(signals[signal]);
    if (known === undefined) continue;
    observation[signal] = { value: { quantilesMs: { [quantile]: known.value } }, atMs: known.atMs };
  }
  return observation;
}
