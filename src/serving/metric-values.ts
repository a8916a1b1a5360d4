// SPDX-License-Identifier: Apache-2.0
// The metrics pdscaler serves, read from a published decision: the same names and values for the
// external metrics API and the KEDA scaler, so switching between HPA and KEDA changes manifests only
// (docs/reference.md §B.6, item 6). Stale or unknown data is an error, never an old or a
// zero value: the HPA and KEDA then hold replicas (§2.7, §3.4).
//
// A hold decided on fresh data is a decision: a role held on `missing-metrics` whose metrics source
// answered this tick (some engine field within the staleness limit, one required field absent, e.g. no
// pod has a rate window yet) is served as its held replica count. Unavailable are: no decision, one the
// loop has not refreshed, a hold on `stale-metrics` (an input older than the limit), and a hold with
// nothing measured at all (Prometheus down, no engine ever answered). Those are when KEDA's `fallback`
// should take over and the HPA should report `ScalingActive=False`
// (https://keda.sh/docs/latest/reference/scaledobject-spec/#fallback).
import type { EpochMs, Observed, Role, RoleObservation } from '../decision/types.js';
import type { PublishedPolicy } from '../loop/board.js';

export const ServedMetrics = [
  'prefill-desired-replicas',
  'decode-desired-replicas',
  'prefill-request-rate',
  'prefill-ttft-ms',
  'prefill-queue-tokens',
  'decode-tpot-ms',
  'decode-active-conversations',
  'decode-kv-usage',
] as const;
export type ServedMetric = (typeof ServedMetrics)[number];

export function isServedMetric(name: string): name is ServedMetric {
  return (ServedMetrics as readonly string[]).includes(name);
}

/** The role a metric belongs to. */
export function roleOfMetric(metric: ServedMetric): Role {
  return metric.startsWith('prefill-') ? 'prefill' : 'decode';
}

export function desiredReplicasMetric(role: Role): ServedMetric {
  return role === 'prefill' ? 'prefill-desired-replicas' : 'decode-desired-replicas';
}

export type MetricReading =
  | {
      readonly ok: true;
      readonly value: number;
      readonly atMs: EpochMs;
      /** Seconds the value is averaged over, for rates. */
      readonly windowS?: number;
    }
  | {
      readonly ok: false;
      /** `not-ready`: no decision yet; `stale`: too old to act on; `unknown`: not measured. */
      readonly reason: 'not-ready' | 'stale' | 'unknown';
      readonly message: string;
    };

/** A decision is stale when the loop has not published for this many intervals (or the staleness limit). */
const stuckIntervals = 3;

function decisionAgeLimitMs(entry: PublishedPolicy): number {
  return Math.max(stuckIntervals * entry.intervalS, entry.spec.stalenessS) * 1000;
}

function fresh(
  entry: PublishedPolicy,
  nowMs: EpochMs,
  label: string,
  field: Observed<number> | undefined,
): MetricReading {
  if (field === undefined || !Number.isFinite(field.value))
    return { ok: false, reason: 'unknown', message: `${label} is not measured right now` };
  const ageS = (nowMs - field.atMs) / 1000;
  if (ageS > entry.spec.stalenessS)
    return {
      ok: false,
      reason: 'stale',
      message: `${label} is stale: last measured ${ageS.toFixed(0)} s ago, the policy's limit is ${entry.spec.stalenessS} s`,
    };
  return { ok: true, value: field.value, atMs: field.atMs };
}

/** The fields a role's metrics source (engines or Prometheus) measures; replica counts come from Kubernetes. */
const measuredFields = [
  'requestRatePerS',
  'inputTokensMean',
  'inputTokensBuckets',
  'outputTokensMean',
  'ttftMs',
  'tpotMs',
  'waitingRequests',
  'runningRequests',
  'activeConversations',
  'kvCacheUsage',
] as const satisfies readonly (keyof RoleObservation)[];

/** True when the role's source measured something within the staleness limit of the decision. */
function measuredFresh(entry: PublishedPolicy, role: Role, decidedAtMs: EpochMs): boolean {
  const observed = entry.observation?.roles[role];
  return measuredFields.some((field) => {
    const atMs = observed?.[field]?.atMs;
    return atMs !== undefined && decidedAtMs - atMs <= entry.spec.stalenessS * 1000;
  });
}

function desiredReplicas(entry: PublishedPolicy, role: Role, nowMs: EpochMs): MetricReading {
  const decision = entry.decision;
  if (decision === undefined)
    return {
      ok: false,
      reason: 'not-ready',
      message: `policy ${entry.namespace}/${entry.name} has no decision yet`,
    };
  const ageMs = nowMs - decision.atMs;
  if (ageMs > decisionAgeLimitMs(entry))
    return {
      ok: false,
      reason: 'stale',
      message: `the last decision for ${entry.namespace}/${entry.name} is ${(ageMs / 1000).toFixed(0)} s old: the loop is not keeping up`,
    };
  const roleDecision = decision.roles[role];
  if (roleDecision.boundBy === 'stale-metrics')
    return {
      ok: false,
      reason: 'stale',
      message: `${role} holds at ${roleDecision.desiredReplicas} replicas on stale data: ${roleDecision.reason}`,
    };
  if (roleDecision.boundBy === 'missing-metrics' && !measuredFresh(entry, role, decision.atMs))
    return {
      ok: false,
      reason: 'unknown',
      message: `${role} holds at ${roleDecision.desiredReplicas} replicas with nothing measured: ${roleDecision.reason}`,
    };
  return { ok: true, value: roleDecision.desiredReplicas, atMs: decision.atMs };
}

function latency(entry: PublishedPolicy, role: Role, nowMs: EpochMs, label: string): MetricReading {
  const observed =
    role === 'prefill' ? entry.observation?.roles.prefill.ttftMs : entry.observation?.roles.decode.tpotMs;
  const value = entry.decision?.roles[role].inputs.observedLatencyMs;
  if (observed === undefined || value === undefined)
    return { ok: false, reason: 'unknown', message: `${label} is not measured right now` };
  return fresh(entry, nowMs, label, { value, atMs: observed.atMs });
}

function queueTokens(entry: PublishedPolicy, nowMs: EpochMs): MetricReading {
  const prefill = entry.observation?.roles.prefill;
  const waiting = fresh(entry, nowMs, 'prefill waiting requests', prefill?.waitingRequests);
  if (!waiting.ok) return waiting;
  if (waiting.value === 0) return waiting;
  const isl = fresh(entry, nowMs, 'prefill mean input tokens', prefill?.inputTokensMean);
  if (!isl.ok) return isl;
  // vLLM and SGLang export waiting requests, not queued tokens: waiting x mean ISL estimates the backlog.
  return { ok: true, value: waiting.value * isl.value, atMs: Math.min(waiting.atMs, isl.atMs) };
}

/** The current value of `metric` for a published policy, or why there is none. */
export function readMetric(entry: PublishedPolicy, metric: ServedMetric, nowMs: EpochMs): MetricReading {
  const roles = entry.observation?.roles;
  switch (metric) {
    case 'prefill-desired-replicas':
      return desiredReplicas(entry, 'prefill', nowMs);
    case 'decode-desired-replicas':
      return desiredReplicas(entry, 'decode', nowMs);
    case 'prefill-request-rate': {
      const reading = fresh(entry, nowMs, 'prefill request rate', roles?.prefill.requestRatePerS);
      return reading.ok && entry.rateWindowS !== undefined
        ? { ...reading, windowS: entry.rateWindowS }
        : reading;
    }
    case 'prefill-ttft-ms':
      return latency(entry, 'prefill', nowMs, `prefill TTFT ${entry.spec.slo.quantile}`);
    case 'prefill-queue-tokens':
      return queueTokens(entry, nowMs);
    case 'decode-tpot-ms':
      return latency(entry, 'decode', nowMs, `decode TPOT ${entry.spec.slo.quantile}`);
    case 'decode-active-conversations':
      return fresh(entry, nowMs, 'decode active conversations', roles?.decode.activeConversations);
    case 'decode-kv-usage':
      return fresh(entry, nowMs, 'decode KV cache usage', roles?.decode.kvCacheUsage);
  }
}
