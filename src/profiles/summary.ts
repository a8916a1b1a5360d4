// SPDX-License-Identifier: Apache-2.0
// What `pdscaler profiles show` tells about one profile: the numbers the capacity model reads
// (prefill TTFT and throughput by prompt length, decode ITL by batch and context, the KV pool), and,
// for a TPOT or TTFT target, the largest decode batch per context and the longest prompt that meet
// it, answered by the same capacity model the decisions use (decision/profile-capacity.ts).
import { profileCapacity, type ProfileData } from '../decision/profile-capacity.js';
import type { ProfileListing } from './store.js';

export interface PrefillRow {
  readonly promptTokens: number;
  readonly ttftMs: number;
  readonly tokensPerSecondPerGpu: number;
}

export interface DecodePoint {
  /** Sequences in the batch (KV use × KV capacity / context; fractional where the profile measured KV use). */
  readonly batch: number;
  readonly itlMs: number;
}

export interface DecodeLevel {
  readonly contextTokens: number;
  readonly points: readonly DecodePoint[];
  /** With a TPOT target: the largest batch at this context whose ITL meets it, or null when none does. */
  readonly maxBatchAtTpot?: number | null;
}

export interface ProfileSummary {
  readonly name: string;
  readonly origin: ProfileListing['origin'];
  readonly file: string;
  readonly source: string;
  readonly license: string;
  readonly gpusPerReplica: { readonly prefill: number; readonly decode: number };
  readonly kvCapacityTokens: number;
  readonly kvBytesPerToken: number | null;
  readonly prefill: readonly PrefillRow[];
  readonly decode: readonly DecodeLevel[];
  readonly tpotMs?: number;
  readonly ttftMs?: number;
  /** With a TTFT target: the longest prompt whose unloaded TTFT meets it, or null when none does. */
  readonly maxPromptTokensAtTtft?: number | null;
}

export interface SummaryTargets {
  readonly tpotMs?: number;
  readonly ttftMs?: number;
}

function decodeLevels(decode: ProfileData['decode']): { contextTokens: number; points: DecodePoint[] }[] {
  const byContext = new Map<number, DecodePoint[]>();
  decode.contextTokens.forEach((context, i) => {
    const points = byContext.get(context) ?? [];
    points.push({
      batch: ((decode.kvUsage[i] ?? 0) * decode.maxKvTokens) / context,
      itlMs: decode.itlMs[i] ?? Number.NaN,
    });
    byContext.set(context, points);
  });
  return [...byContext.entries()]
    .sort(([a], [b]) => a - b)
    .map(([contextTokens, points]) => ({ contextTokens, points: points.sort((a, b) => a.batch - b.batch) }));
}

/**
 * The longest prompt whose unloaded TTFT is at most the target, by bisection: TTFT grows with the
 * prompt (the capacity model interpolates measured points and extrapolates at the last rate), and the
 * search stops at 64 times the longest profiled prompt.
 */
function longestPromptWithin(
  ttftAt: (tokens: number) => number,
  longestProfiled: number,
  targetMs: number,
): number | null {
  if (!(ttftAt(1) <= targetMs)) return null;
  let lo = 1;
  let hi = Math.max(2, Math.ceil(longestProfiled * 64));
  if (ttftAt(hi) <= targetMs) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ttftAt(mid) <= targetMs) lo = mid;
    else hi = mid;
  }
  return lo;
}

export function summarizeProfile(
  listing: ProfileListing,
  profile: ProfileData,
  targets: SummaryTargets = {},
): ProfileSummary {
  const gpusPerReplica = { prefill: profile.prefillTp, decode: profile.decodeTp };
  const capacity = profileCapacity(profile, gpusPerReplica, undefined);
  const { tpotMs, ttftMs } = targets;
  const decode = decodeLevels(profile.decode).map((level) => {
    if (tpotMs === undefined) return level;
    const at = capacity.decode(level.contextTokens, tpotMs);
    return { ...level, maxBatchAtTpot: at.reachable ? at.maxBatch : null };
  });
  const prefill = profile.prefill.inputTokens.map((promptTokens, i) => ({
    promptTokens,
    ttftMs: profile.prefill.ttftMs[i] ?? Number.NaN,
    tokensPerSecondPerGpu: profile.prefill.tokensPerSecondPerGpu[i] ?? Number.NaN,
  }));
  const longest = profile.prefill.inputTokens.at(-1) ?? 1;
  return {
    name: listing.name,
    origin: listing.origin,
    file: listing.file,
    source: listing.source,
    license: listing.license,
    gpusPerReplica,
    kvCapacityTokens: profile.decode.maxKvTokens,
    kvBytesPerToken: profile.kvBytesPerToken ?? null,
    prefill,
    decode,
    ...(tpotMs === undefined ? {} : { tpotMs }),
    ...(ttftMs === undefined
      ? {}
      : {
          ttftMs,
          maxPromptTokensAtTtft: longestPromptWithin(
            (tokens) => capacity.prefill(tokens).unloadedTtftMs ?? Number.POSITIVE_INFINITY,
            longest,
            ttftMs,
          ),
        }),
  };
}

const fixed = (value: number, digits: number): string =>
  Number.isFinite(value) ? value.toFixed(digits) : '?';
const count = (value: number): string => Math.round(value).toLocaleString('en-US');
const batchText = (batch: number): string => (Number.isInteger(batch) ? String(batch) : batch.toFixed(1));

/** The summary as text for a terminal. */
export function formatSummary(s: ProfileSummary): string {
  const lines = [
    `${s.name} (${s.origin})`,
    `  source:   ${s.source}`,
    `  license:  ${s.license}`,
    `  file:     ${s.file}`,
    `  GPUs per replica: prefill ${s.gpusPerReplica.prefill}, decode ${s.gpusPerReplica.decode}`,
    `  KV capacity: ${count(s.kvCapacityTokens)} tokens per decode replica` +
      (s.kvBytesPerToken === null ? '' : ` (${count(s.kvBytesPerToken)} bytes per token)`),
    '',
    '  prefill, one prompt:   tokens   TTFT ms   tokens/s/GPU',
    ...s.prefill.map(
      (r) =>
        `                      ${count(r.promptTokens).padStart(8)}  ${fixed(r.ttftMs, 1).padStart(8)}  ${count(r.tokensPerSecondPerGpu).padStart(13)}`,
    ),
    '',
    '  decode ITL ms by context and batch (batch:ITL):',
    ...s.decode.map(
      (level) =>
        `    context ${count(level.contextTokens).padStart(7)}: ` +
        level.points.map((p) => `${batchText(p.batch)}:${fixed(p.itlMs, 1)}`).join('  '),
    ),
  ];
  if (s.tpotMs !== undefined) {
    lines.push('', `  largest decode batch with ITL <= ${s.tpotMs} ms:`);
    for (const level of s.decode) {
      const batch = level.maxBatchAtTpot;
      lines.push(
        `    context ${count(level.contextTokens).padStart(7)}: ${batch === null || batch === undefined ? 'none' : count(batch)}`,
      );
    }
  }
  if (s.ttftMs !== undefined) {
    const tokens = s.maxPromptTokensAtTtft;
    lines.push(
      '',
      `  longest prompt with unloaded TTFT <= ${s.ttftMs} ms: ` +
        (tokens === null || tokens === undefined ? 'none' : `${count(tokens)} tokens`),
    );
  }
  return `${lines.join('\n')}\n`;
}
