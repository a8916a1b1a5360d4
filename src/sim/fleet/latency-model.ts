// SPDX-License-Identifier: Apache-2.0
// How long simulated engines take, from a published profile's raw points (data/profiles/README.md).
// The simulator reads the measurements directly, not pdscaler's capacity model (decision/
// profile-capacity.ts, which makes ITL monotone and caps it for sizing): the fleet is the ground
// truth the policy is judged against, so it must follow the measurements, bumps included.
//
// - Prefill: a batch of T prompt tokens takes the profile's single-request TTFT at ISL T. The profile
//   gives throughput = ISL / TTFT exactly (every row), so a batch of one is calibrated by
//   construction and batching short prompts amortizes the fixed cost the way chunked prefill does.
//   Beyond the last measured ISL (16,372) time grows linearly at the last measured throughput.
// - Decode: one iteration's time (ITL) at the batch's mean context and KV use, linear in KV use on
//   each measured context level and linear across levels; clamped below the first point and beyond
//   the last context, extrapolated along the last segment beyond the last KV point.
import type { ProfileData } from '../../decision/profile-capacity.js';
import type { Role } from '../../decision/types.js';

export interface FleetProfile {
  readonly name: string;
  readonly gpusPerReplica: Readonly<Record<Role, number>>;
  /** Milliseconds to prefill a batch holding `tokens` prompt tokens on one replica. */
  prefillMs(tokens: number): number;
  /** Milliseconds per decode iteration at this mean context length and KV-cache use (0..1). */
  decodeItlMs(meanContextTokens: number, kvUsage: number): number;
  /** KV-cache capacity of one decode replica, tokens (`max_kv_tokens`). */
  readonly kvCapacityTokens: number;
}

interface Level {
  readonly contextTokens: number;
  readonly kv: Float64Array;
  readonly itl: Float64Array;
}

/** Piecewise-linear y(x) over ascending xs: clamped below, extrapolated along the last segment above. */
function piecewise(xs: Float64Array, ys: Float64Array, x: number): number {
  const n = xs.length;
  if (x <= (xs[0] ?? 0)) return ys[0] ?? NaN;
  let i = 1;
  while (i < n - 1 && (xs[i] ?? Infinity) < x) i++;
  const x0 = xs[i - 1] ?? 0;
  const x1 = xs[i] ?? 0;
  const y0 = ys[i - 1] ?? NaN;
  const y1 = ys[i] ?? NaN;
  if (x1 === x0) return y1;
  const y = y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  return x > x1 ? Math.max(y1, y) : y;
}

function decodeLevels(decode: ProfileData['decode']): Level[] {
  const byContext = new Map<number, { kv: number; itl: number }[]>();
  decode.contextTokens.forEach((context, i) => {
    const points = byContext.get(context) ?? [];
    points.push({ kv: decode.kvUsage[i] ?? 0, itl: decode.itlMs[i] ?? NaN });
    byContext.set(context, points);
  });
  return [...byContext.entries()]
    .sort(([a], [b]) => a - b)
    .map(([contextTokens, points]) => {
      points.sort((a, b) => a.kv - b.kv);
      return {
        contextTokens,
        kv: Float64Array.from(points, (p) => p.kv),
        itl: Float64Array.from(points, (p) => p.itl),
      };
    });
}

/** A fleet profile from a Dynamo-format profile, for replicas of the profile's TP sizes. */
export function dynamoFleetProfile(profile: ProfileData): FleetProfile {
  const isl = Float64Array.from(profile.prefill.inputTokens);
  const ttft = Float64Array.from(profile.prefill.ttftMs);
  const lastIsl = isl[isl.length - 1] ?? 1;
  const lastTtft = ttft[ttft.length - 1] ?? 0;
  const lastThroughputPerMs = lastIsl / lastTtft;
  const levels = decodeLevels(profile.decode);
  const itlOn = (level: Level, kvUsage: number): number => piecewise(level.kv, level.itl, kvUsage);
  return {
    name: profile.name,
    gpusPerReplica: { prefill: profile.prefillTp, decode: profile.decodeTp },
    kvCapacityTokens: profile.decode.maxKvTokens,
    prefillMs: (tokens) =>
      tokens <= lastIsl ? piecewise(isl, ttft, tokens) : lastTtft + (tokens - lastIsl) / lastThroughputPerMs,
    decodeItlMs: (meanContextTokens, kvUsage) => {
      const first = levels[0];
      const last = levels[levels.length - 1];
      if (first === undefined || last === undefined) return NaN;
      if (meanContextTokens <= first.contextTokens) return itlOn(first, kvUsage);
      if (meanContextTokens >= last.contextTokens) return itlOn(last, kvUsage);
      let upper = 1;
      while ((levels[upper]?.contextTokens ?? Infinity) < meanContextTokens) upper++;
      const hi = levels[upper] ?? last;
      const lo = levels[upper - 1] ?? first;
      const w = (meanContextTokens - lo.contextTokens) / (hi.contextTokens - lo.contextTokens);
      return itlOn(lo, kvUsage) * (1 - w) + itlOn(hi, kvUsage) * w;
    },
  };
}
