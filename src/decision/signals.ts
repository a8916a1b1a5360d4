// SPDX-License-Identifier: Apache-2.0
// Named signals that custom policy expressions may reference, e.g. `prefill_tokens_per_s / 40000`.
// Each comes from the observation; a signal that is unknown or stale is absent from the scope.
import { histogramQuantile, quantileFraction } from './histogram-quantile.js';
import type { LatencyObservation, Observed, Quantile, Role, RoleObservation } from './types.js';
import { Roles } from './types.js';

const perRoleSignals = {
  request_rate: (o) => o.requestRatePerS,
  input_tokens: (o) => o.inputTokensMean,
  output_tokens: (o) => o.outputTokensMean,
  waiting: (o) => o.waitingRequests,
  running: (o) => o.runningRequests,
  active: (o) => o.activeConversations,
  kv_usage: (o) => o.kvCacheUsage,
  ready: (o) => o.readyReplicas,
} as const satisfies Record<string, (o: RoleObservation) => Observed<number> | undefined>;

const latencySignal: Readonly<Record<Role, string>> = {
  prefill: 'prefill_ttft_ms',
  decode: 'decode_tpot_ms',
};

/** Every signal name an expression may use: `prefill_request_rate`, `decode_active`, `prefill_ttft_ms`, ... */
export const SignalNames: readonly string[] = [
  ...Roles.flatMap((role) =>
    [...Object.keys(perRoleSignals), 'tokens_per_s'].map((suffix) => `${role}_${suffix}`),
  ),
  ...Roles.map((role) => latencySignal[role]),
];

/** A latency quantile from an observation: the named quantile if given, else from the buckets. */
export function latencyQuantileMs(latency: LatencyObservation, quantile: Quantile): number | undefined {
  const direct = latency.quantilesMs?.[quantile];
  if (direct !== undefined) return Number.isFinite(direct) ? direct : undefined;
  if (latency.buckets === undefined) return undefined;
  const estimate = histogramQuantile(quantileFraction(quantile), latency.buckets);
  return estimate !== undefined && Number.isFinite(estimate) ? estimate : undefined;
}

export interface SignalContext {
  readonly roles: Readonly<Record<Role, RoleObservation>>;
  readonly isFresh: (field: Observed<unknown> | undefined) => boolean;
  readonly quantile: Quantile;
}

function freshValue(ctx: SignalContext, field: Observed<number> | undefined): number | undefined {
  return field !== undefined && ctx.isFresh(field) && Number.isFinite(field.value) ? field.value : undefined;
}

/** The scope for custom expressions: every known, fresh signal by name. */
export function signalScope(ctx: SignalContext): Record<string, number> {
  const scope: Record<string, number> = {};
  for (const role of Roles) {
    const observation = ctx.roles[role];
    for (const [suffix, read] of Object.entries(perRoleSignals)) {
      const value = freshValue(ctx, read(observation));
      if (value !== undefined) scope[`${role}_${suffix}`] = value;
    }
    const rate = freshValue(ctx, observation.requestRatePerS);
    const tokens = freshValue(
      ctx,
      role === 'prefill' ? observation.inputTokensMean : observation.outputTokensMean,
    );
    if (rate !== undefined && tokens !== undefined) scope[`${role}_tokens_per_s`] = rate * tokens;
    const latency = role === 'prefill' ? observation.ttftMs : observation.tpotMs;
    const latencyMs =
      latency !== undefined && ctx.isFresh(latency)
        ? latencyQuantileMs(latency.value, ctx.quantile)
        : undefined;
    if (latencyMs !== undefined) scope[latencySignal[role]] = latencyMs;
  }
  return scope;
}
