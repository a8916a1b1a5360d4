// SPDX-License-Identifier: Apache-2.0
// The decider state as a file, so `pdscaler plan --state S.json` can step decisions tick by tick.
import { z } from 'zod';
import type { DecisionState } from '../decision/types.js';

const sample = z.strictObject({ atMs: z.number(), up: z.int().min(0), down: z.int().min(0) });
const roleState = z.strictObject({
  desiredReplicas: z.int().min(0),
  lastScaleUpAtMs: z.number().optional(),
  lastScaleDownAtMs: z.number().optional(),
  samples: z.array(sample),
  forecast: z
    .strictObject({
      level: z.number(),
      trendPerS: z.number(),
      atMs: z.number(),
      errorVar: z.number().optional(),
    })
    .optional(),
  correction: z.strictObject({ factor: z.number().min(1), atMs: z.number() }),
  // Optional: states written before panic mode (or by a role not panicking) have none.
  panic: z.strictObject({ sinceMs: z.number(), lastTriggeredMs: z.number() }).optional(),
  // Optional: states written before burst memory and the SLO feedback loop, or with them off.
  bursts: z
    .array(z.strictObject({ startMs: z.number(), max: z.number().min(0), min: z.number().min(0) }))
    .max(64)
    .optional(),
  arrivals: z
    .strictObject({
      meanPerS: z.number().min(0),
      allanVar: z.number().min(0),
      lastRatePerS: z.number().min(0),
      windowS: z.number().gt(0),
      atMs: z.number(),
    })
    .optional(),
  need: z.strictObject({ mean: z.number().min(0), variance: z.number().min(0), atMs: z.number() }).optional(),
  burnRate: z
    .strictObject({
      total: z.number().min(0),
      good: z.number().min(0),
      headroom: z.number().min(1).max(4),
      atMs: z.number(),
    })
    .optional(),
});

const stateFileSchema = z.strictObject({
  roles: z.strictObject({ prefill: roleState.optional(), decode: roleState.optional() }),
});

export function parseState(
  json: unknown,
): { ok: true; state: DecisionState } | { ok: false; issues: string[] } {
  const result = stateFileSchema.safeParse(json);
  if (!result.success)
    return {
      ok: false,
      issues: result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`),
    };
  const roles: Record<string, unknown> = {};
  for (const [role, value] of Object.entries(result.data.roles)) {
    if (value === undefined) continue;
    roles[role] = {
      ...value,
      lastScaleUpAtMs: value.lastScaleUpAtMs,
      lastScaleDownAtMs: value.lastScaleDownAtMs,
      forecast: value.forecast,
    };
  }
  return { ok: true, state: { roles } };
}

/** State as JSON: `undefined` fields are dropped, which parseState reads back as undefined. */
export function stateToJson(state: DecisionState): string {
  return JSON.stringify(state, null, 2);
}
