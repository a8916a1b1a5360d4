// SPDX-License-Identifier: Apache-2.0
// The observation file `pdscaler plan` reads. Any field is a bare value (measured at `observedAt`) or
// `{ "value": v, "at": "RFC 3339" }` with its own time, so staleness can be stepped by hand.
// Latencies are `{ "p90": 420 }` (ms) or `{ "buckets": [{ "le": 100, "count": 3 }, { "le": "+Inf", ... }] }`.
import { z } from 'zod';
import type { LatencyObservation, Observation, Observed, RoleObservation } from '../decision/types.js';
import { Quantiles } from '../decision/types.js';

const timestamp = z.iso.datetime({ offset: true });
const count = z.number().min(0);
const bucket = z.strictObject({ le: z.union([z.number(), z.literal('+Inf')]), count });
const latency = z
  .strictObject({
    p50: z.number().min(0).optional(),
    p90: z.number().min(0).optional(),
    p95: z.number().min(0).optional(),
    p99: z.number().min(0).optional(),
    buckets: z.array(bucket).min(2).optional(),
  })
  .refine((l) => Object.keys(l).length > 0, 'give at least one quantile (p50, p90, p95, p99) or buckets');

const timed = <T extends z.ZodType>(value: T) => z.union([value, z.strictObject({ value, at: timestamp })]);

const numericFields = [
  'requestRatePerS',
  'inputTokensMean',
  'outputTokensMean',
  'waitingRequests',
  'runningRequests',
  'activeConversations',
  'kvCacheUsage',
  'readyReplicas',
  'rateWindowS',
  'desiredReplicas',
  'pendingReplicas',
] as const;

const roleSchema = z.strictObject({
  ...Object.fromEntries(numericFields.map((f) => [f, timed(count).optional()])),
  ttftMs: timed(latency).optional(),
  tpotMs: timed(latency).optional(),
});

const observationFileSchema = z.strictObject({
  observedAt: timestamp.optional(),
  roles: z.strictObject({ prefill: roleSchema, decode: roleSchema }),
});

type TimedValue<T> = T | { value: T; at: string };

function toObserved<T>(
  raw: TimedValue<T> | undefined,
  defaultAtMs: number,
  convert: (v: T) => unknown,
): Observed<unknown> | undefined {
  if (raw === undefined) return undefined;
  if (raw !== null && typeof raw === 'object' && 'at' in raw && 'value' in raw) {
    return { value: convert(raw.value), atMs: Date.parse(raw.at) };
  }
  return { value: convert(raw), atMs: defaultAtMs };
}

function toLatency(raw: z.infer<typeof latency>): LatencyObservation {
  const quantilesMs = Object.fromEntries(
    Quantiles.flatMap((q) => (raw[q] === undefined ? [] : [[q, raw[q]]])),
  );
  const buckets = raw.buckets?.map((b) => ({ le: b.le === '+Inf' ? Infinity : b.le, count: b.count }));
  return buckets === undefined ? { quantilesMs } : { quantilesMs, buckets };
}

function toRole(raw: Record<string, unknown>, atMs: number): RoleObservation {
  const role: Record<string, Observed<unknown>> = {};
  for (const field of numericFields) {
    const observed = toObserved(raw[field] as TimedValue<number> | undefined, atMs, (v) => v);
    if (observed !== undefined) role[field] = observed;
  }
  for (const field of ['ttftMs', 'tpotMs'] as const) {
    const observed = toObserved(
      raw[field] as TimedValue<z.infer<typeof latency>> | undefined,
      atMs,
      toLatency,
    );
    if (observed !== undefined) role[field] = observed;
  }
  return role;
}

/** Parses an observation file; fields without their own time were measured at `observedAt` (or `nowMs`). */
export function parseObservation(
  json: unknown,
  nowMs: number,
): { ok: true; observation: Observation; observedAtMs: number } | { ok: false; issues: string[] } {
  const result = observationFileSchema.safeParse(json);
  if (!result.success) {
    return {
      ok: false,
      issues: result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`),
    };
  }
  const atMs = result.data.observedAt === undefined ? nowMs : Date.parse(result.data.observedAt);
  const roles = result.data.roles as unknown as Record<'prefill' | 'decode', Record<string, unknown>>;
  return {
    ok: true,
    observedAtMs: atMs,
    observation: { roles: { prefill: toRole(roles.prefill, atMs), decode: toRole(roles.decode, atMs) } },
  };
}
