// SPDX-License-Identifier: Apache-2.0
// Capacity from a Dynamo-style pre-deployment profile (data/profiles/dynamo_H200_TP1P_TP1D, schema in
// docs/reference.md §D.1.10). Dynamo interpolates cubically; we interpolate linearly and
// make ITL monotone in KV use, because a cubic fit over 17 and 41 points overshoots between samples and
// the raw decode ITL is not monotone (ctx 350: 46.6 ms at 39% KV, 41.0 ms at 49%), which would let a
// larger batch look faster than a smaller one.
import type { CapacityModel, DecodeCapacity, PrefillCapacity } from './types.js';

/** A profile as measured per GPU, with the tensor-parallel size each role was measured at. */
export interface ProfileData {
  readonly name: string;
  readonly prefillTp: number;
  readonly decodeTp: number;
  /**
   * KV-cache bytes one token occupies (what a prefill-to-decode transfer moves); absent in Dynamo
   * profiles, whose simulator setting is the 8B model's 128 KiB.
   */
  readonly kvBytesPerToken?: number;
  readonly prefill: {
    readonly inputTokens: readonly number[];
    readonly ttftMs: readonly number[];
    readonly tokensPerSecondPerGpu: readonly number[];
  };
  readonly decode: {
    readonly kvUsage: readonly number[];
    readonly contextTokens: readonly number[];
    readonly itlMs: readonly number[];
    readonly maxKvTokens: number;
  };
}

interface Point {
  readonly x: number;
  readonly y: number;
}

/** Linear interpolation over points sorted by x, clamped to the measured range. */
export function interpolate(points: readonly Point[], x: number): number {
  const first = points[0];
  const last = points[points.length - 1];
  if (first === undefined || last === undefined) return Number.NaN;
  if (x <= first.x) return first.y;
  if (x >= last.x) return last.y;
  const upper = points.findIndex((p) => p.x >= x);
  const hi = points[upper];
  const lo = points[upper - 1];
  if (hi === undefined || lo === undefined) return last.y;
  if (hi.x === lo.x) return hi.y;
  return lo.y + ((hi.y - lo.y) * (x - lo.x)) / (hi.x - lo.x);
}

interface ContextLevel {
  readonly contextTokens: number;
  /** ITL over KV use, made non-decreasing (running maximum) so "largest batch under a target" is well defined. */
  readonly itl: readonly Point[];
}

function contextLevels(decode: ProfileData['decode']): ContextLevel[] {
  const byContext = new Map<number, Point[]>();
  decode.contextTokens.forEach((ctx, i) => {
    const points = byContext.get(ctx) ?? [];
    points.push({ x: decode.kvUsage[i] ?? 0, y: decode.itlMs[i] ?? Number.NaN });
    byContext.set(ctx, points);
  });
  return [...byContext.entries()]
    .sort(([a], [b]) => a - b)
    .map(([contextTokens, points]) => {
      let runningMax = 0;
      const itl = points
        .sort((a, b) => a.x - b.x)
        .map((p) => {
          runningMax = Math.max(runningMax, p.y);
          return { x: p.x, y: runningMax };
        });
      return { contextTokens, itl };
    });
}

/** Largest KV use on one context level whose (monotone) ITL is at or under the target; -1 if none. */
function maxKvUsageAt(level: ContextLevel, itlTargetMs: number): number {
  const points = level.itl;
  const first = points[0];
  if (first === undefined || first.y > itlTargetMs) return -1;
  for (let i = points.length - 1; i > 0; i--) {
    const hi = points[i];
    const lo = points[i - 1];
    if (hi === undefined || lo === undefined) continue;
    if (hi.y <= itlTargetMs) return hi.x;
    if (lo.y <= itlTargetMs) return lo.x + ((hi.x - lo.x) * (itlTargetMs - lo.y)) / (hi.y - lo.y);
  }
  return first.x;
}

/**
 * Interpolates a per-level quantity across context lengths, evaluating only the two levels that
 * bracket the context (this runs on every decide(), so it allocates nothing).
 */
function acrossContexts(
  levels: readonly ContextLevel[],
  contextTokens: number,
  at: (level: ContextLevel) => number,
): number {
  const first = levels[0];
  const last = levels[levels.length - 1];
  if (first === undefined || last === undefined) return Number.NaN;
  if (contextTokens <= first.contextTokens) return at(first);
  if (contextTokens >= last.contextTokens) return at(last);
  let upper = 1;
  while ((levels[upper]?.contextTokens ?? Infinity) < contextTokens) upper++;
  const hi = levels[upper];
  const lo = levels[upper - 1];
  if (hi === undefined || lo === undefined) return at(last);
  const yLo = at(lo);
  return yLo + ((at(hi) - yLo) * (contextTokens - lo.contextTokens)) / (hi.contextTokens - lo.contextTokens);
}

function kvUsageForContext(
  levels: readonly ContextLevel[],
  contextTokens: number,
  itlTargetMs: number,
): number {
  return acrossContexts(levels, contextTokens, (level) => maxKvUsageAt(level, itlTargetMs));
}

/**
 * Builds the capacity model of a profile for replicas of the given GPU counts. Worked example on the
 * H200 8B profile (pinned in test/decision/profile-capacity.test.ts): ISL 3,000 interpolates to about
 * 47,900 prompt tokens/s per GPU; at context 3,075 (ISL 3,000 + OSL 150/2) and a 10 ms ITL target
 * the largest KV use is about 0.155 of 945,029 tokens, i.e. a batch of about 47 conversations.
 */
export function profileCapacity(
  profile: ProfileData,
  gpusPerReplica: { readonly prefill: number; readonly decode: number },
  maxBatch: number | undefined,
): CapacityModel {
  const throughput = profile.prefill.inputTokens.map((x, i) => ({
    x,
    y: profile.prefill.tokensPerSecondPerGpu[i] ?? 0,
  }));
  const ttft = profile.prefill.inputTokens.map((x, i) => ({ x, y: profile.prefill.ttftMs[i] ?? 0 }));
  const levels = contextLevels(profile.decode);
  // A replica of N GPUs measured at TP N: per-GPU throughput times N; the KV pool is per replica.
  const lastTtft = ttft[ttft.length - 1];
  // Beyond the longest profiled prompt a single request's prefill grows at that prompt's own rate
  // (its ISL over its TTFT), as the simulator's fleet profile extrapolates it: clamping would call a
  // 126k-token prompt as fast as the profile's longest and hide that no fleet meets a 2 s TTFT for it.
  const unloadedTtftMs = (inputTokens: number): number =>
    lastTtft !== undefined && inputTokens > lastTtft.x && lastTtft.x > 0
      ? (lastTtft.y * inputTokens) / lastTtft.x
      : interpolate(ttft, inputTokens);
  const prefill = (inputTokens: number): PrefillCapacity => ({
    tokensPerSecond: interpolate(throughput, inputTokens) * gpusPerReplica.prefill,
    unloadedTtftMs: unloadedTtftMs(inputTokens),
  });
  const decode = (contextTokens: number, itlTargetMs: number): DecodeCapacity => {
    const context = Math.max(1, contextTokens);
    const kvUsage = kvUsageForContext(levels, context, itlTargetMs);
    const byKv = Math.floor((Math.max(0, kvUsage) * profile.decode.maxKvTokens) / context);
    const batch = Math.max(1, Math.min(byKv, maxBatch ?? Number.POSITIVE_INFINITY));
    return { maxBatch: batch, reachable: kvUsage >= 0 && byKv >= 1 };
  };
  const decodeItlMs = (contextTokens: number, batch: number): number => {
    const context = Math.max(1, contextTokens);
    const kvUsage = (batch * context) / profile.decode.maxKvTokens;
    return acrossContexts(levels, context, (level) => interpolate(level.itl, kvUsage));
  };
  return {
    description: `profile ${profile.name}`,
    prefill,
    decode,
    decodeItlMs,
    kvCapacityTokens: profile.decode.maxKvTokens,
  };
}

/**
 * Explicit per-replica capacities, for engines without a profile. The decode batch is stated at the
 * TPOT SLO; a tighter (corrected) ITL target shrinks it proportionally, the linear part of a decode
 * step's time in batch size (docs/reference.md §D.3.2, `decode_time(n) = alpha + beta n`).
 */
export function explicitCapacity(figures: {
  readonly prefillTokensPerSecondPerReplica: number;
  readonly decodeMaxBatchPerReplica: number;
  readonly decodeItlAtMaxBatchMs: number;
}): CapacityModel {
  return {
    description: 'explicit per-replica capacities',
    prefill: () => ({ tokensPerSecond: figures.prefillTokensPerSecondPerReplica, unloadedTtftMs: undefined }),
    decode: (_contextTokens, itlTargetMs) => {
      const scale = Math.min(1, itlTargetMs / figures.decodeItlAtMaxBatchMs);
      return { maxBatch: Math.max(1, Math.floor(figures.decodeMaxBatchPerReplica * scale)), reachable: true };
    },
    decodeItlMs: (_contextTokens, batch) =>
      (figures.decodeItlAtMaxBatchMs * batch) / figures.decodeMaxBatchPerReplica,
  };
}
