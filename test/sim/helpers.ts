// SPDX-License-Identifier: Apache-2.0
// Shared builders for the fleet simulator's tests: the Dynamo H200 profile (raw points and the fleet
// profile built from them), a FleetOptions factory, tiny traces, and a way to read a replica's page
// back through the real parser and vLLM adapter.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { ProfileData } from '../../src/decision/profile-capacity.js';
import type { Role } from '../../src/decision/types.js';
import { parseDynamoProfile } from '../../src/policy/profiles.js';
import type { Fleet, FleetOptions } from '../../src/sim/fleet/fleet.js';
import { dynamoFleetProfile, type FleetProfile } from '../../src/sim/fleet/latency-model.js';
import type { RequestLog } from '../../src/sim/fleet/request-log.js';
import { mulberry32 } from '../../src/sim/trace/prng.js';
import type { TraceRequest } from '../../src/sim/trace/types.js';
import { engineAdapters } from '../../src/sources/engines/index.js';
import type { PodSample } from '../../src/sources/engines/pod-sample.js';
import { parseExposition } from '../../src/sources/exposition/parse.js';
import { dataDir } from '../helpers/spec.js';

const parsed = parseDynamoProfile(
  'dynamo-h200-llama3.1-8b-fp8',
  JSON.parse(readFileSync(`${dataDir}profiles/dynamo_H200_TP1P_TP1D/raw_data.json`, 'utf8')) as unknown,
);
if (!parsed.ok) throw new Error(parsed.message);

/** The H200 profile's raw arrays (Llama-3.1-8B FP8, TP1 prefill and TP1 decode), sorted by ISL. */
export const h200Data: ProfileData = parsed.profile;
export const h200: FleetProfile = dynamoFleetProfile(h200Data);
/** `max_kv_tokens` of one decode replica: 945,029. */
export const maxKvTokens = h200Data.decode.maxKvTokens;

/** Linear interpolation over ascending xs (the test's own, independent of latency-model.ts). */
export function interpolate(xs: readonly number[], ys: readonly number[], x: number): number {
  for (let i = 1; i < xs.length; i++) {
    const x0 = xs[i - 1]!;
    const x1 = xs[i]!;
    if (x <= x1) return ys[i - 1]! + ((ys[i]! - ys[i - 1]!) * (x - x0)) / (x1 - x0);
  }
  throw new Error(`${x} is beyond the measured range`);
}

/** The profile's single-request TTFT at `isl` (ms), interpolated between measured ISLs. */
export const profileTtftMs = (isl: number): number =>
  interpolate(h200Data.prefill.inputTokens, h200Data.prefill.ttftMs, isl);

/** The profile's prefill throughput at `isl` (prompt tokens/s/GPU). */
export const profileThroughput = (isl: number): number =>
  interpolate(h200Data.prefill.inputTokens, h200Data.prefill.tokensPerSecondPerGpu, isl);

/** One measured decode point: context level, KV use, ITL (ms). */
export interface DecodePoint {
  readonly contextTokens: number;
  readonly kvUsage: number;
  readonly itlMs: number;
}

export const decodePoints: readonly DecodePoint[] = h200Data.decode.contextTokens.map((contextTokens, i) => ({
  contextTokens,
  kvUsage: h200Data.decode.kvUsage[i]!,
  itlMs: h200Data.decode.itlMs[i]!,
}));

/** The measured point at this context level whose KV use is nearest `kvUsage`. */
export function decodePoint(contextTokens: number, kvUsage: number): DecodePoint {
  const level = decodePoints.filter((p) => p.contextTokens === contextTokens);
  const nearest = level.reduce((a, b) =>
    Math.abs(b.kvUsage - kvUsage) < Math.abs(a.kvUsage - kvUsage) ? b : a,
  );
  return nearest;
}

/**
 * KV transfer: 128 KiB per prompt token (Llama-3.1-8B: 32 layers x 8 KV heads x 128 dims x K,V x 2
 * bytes) over 50 GB/s, as the backtest's defaults; 3,000 tokens take 7.86 ms.
 */
export const kvTransfer = { bytesPerToken: 131_072, gigabytesPerS: 50 } as const;
export const kvTransferMs = (inputTokens: number): number =>
  (inputTokens * kvTransfer.bytesPerToken) / (kvTransfer.gigabytesPerS * 1e6);

export const modelName = 'sim-model';

type FleetOverrides = Partial<Omit<FleetOptions, 'initialReplicas' | 'coldStartS'>> & {
  readonly initialReplicas?: Partial<Record<Role, number>>;
  readonly coldStartS?: Partial<Record<Role, number>>;
};

/** One Ready replica per role at time 0, 60 s cold starts, 8,192-token prefill batches. */
export function fleetOptions(overrides: FleetOverrides = {}): FleetOptions {
  const { initialReplicas, coldStartS, ...rest } = overrides;
  return {
    profile: h200,
    modelName,
    startMs: 0,
    prefillBatchTokens: 8192,
    kvTransfer,
    ...rest,
    coldStartS: { prefill: 60, decode: 60, ...coldStartS },
    initialReplicas: { prefill: 1, decode: 1, ...initialReplicas },
  };
}

/** `count` identical requests arriving together at `atMs`. */
export function burst(
  count: number,
  request: { readonly inputTokens: number; readonly outputTokens: number; readonly atMs?: number },
): TraceRequest[] {
  const arrivalMs = request.atMs ?? 0;
  return Array.from({ length: count }, () => ({
    arrivalMs,
    inputTokens: request.inputTokens,
    outputTokens: request.outputTokens,
  }));
}

/** Evenly paced arrivals at `ratePerS` for `durationS`; ISLs cycle through `inputTokens`. */
export function evenlyPaced(options: {
  readonly ratePerS: number;
  readonly durationS: number;
  readonly inputTokens: readonly number[];
  readonly outputTokens: number;
  readonly fromS?: number;
}): TraceRequest[] {
  const count = Math.round(options.ratePerS * options.durationS);
  const fromMs = (options.fromS ?? 0) * 1000;
  return Array.from({ length: count }, (_, i) => ({
    arrivalMs: fromMs + (i * 1000) / options.ratePerS,
    inputTokens: options.inputTokens[i % options.inputTokens.length]!,
    outputTokens: options.outputTokens,
  }));
}

/** A seeded mixed trace: `count` requests at ~`ratePerS`, ISL 100..8,100 and OSL 2..401. */
export function seededTrace(seed: number, count: number, ratePerS: number): TraceRequest[] {
  const random = mulberry32(seed);
  let atMs = 0;
  return Array.from({ length: count }, () => {
    atMs += (-Math.log(1 - random()) * 1000) / ratePerS;
    return {
      arrivalMs: atMs,
      inputTokens: 100 + Math.floor(random() * 8000),
      outputTokens: 2 + Math.floor(random() * 400),
    };
  });
}

/** Steps the fleet every `stepS` until every request finished (at most `limitS`); returns the steps. */
export function runToEnd(fleet: Fleet, stepS = 15, limitS = 3600): number {
  const startMs = fleet.nowMs;
  let steps = 0;
  while (!fleet.allDone() && steps * stepS < limitS) {
    steps++;
    fleet.runUntil(startMs + steps * stepS * 1000);
  }
  return steps;
}

/** When request `i` produced its last token, ms since the trace start. */
export function finishMs(log: RequestLog, trace: readonly TraceRequest[], i: number): number {
  const request = trace[i]!;
  return request.arrivalMs + log.ttftMs[i]! + log.tpotMs[i]! * Math.max(0, request.outputTokens - 1);
}

export const mean = (values: ArrayLike<number>): number =>
  Array.from(values).reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/** A replica's page as the collector reads it: real parser, real vLLM adapter. */
export function readPage(fleet: Fleet, key: string): PodSample {
  const body = fleet.renderPage(key);
  if (body === undefined) throw new Error(`${key} has no page`);
  const page = parseExposition(body);
  if (!page.ok) throw new Error(`${key}: ${page.error.line}:${page.error.col} ${page.error.message}`);
  const sample = engineAdapters.vllm(page.page, { model: modelName, scrapedAtMs: fleet.nowMs });
  if (!sample.ok) throw new Error(`${key}: ${sample.reason}`);
  return sample.sample;
}

/** `actual` is within `tolerance` (a fraction, 0.05 = 5%) of `expected`. */
export function expectWithin(actual: number, expected: number, tolerance: number): void {
  expect(actual).toBeGreaterThanOrEqual(expected * (1 - tolerance));
  expect(actual).toBeLessThanOrEqual(expected * (1 + tolerance));
}
