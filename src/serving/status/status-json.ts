// SPDX-License-Identifier: Apache-2.0
// GET /status.json: the status page's current state for scripts and dashboards. Unknown figures are
// null, never 0 (unknown is not zero); times are epoch milliseconds and RFC 3339 UTC.
import type { Decision, Role, RoleDecision } from '../../decision/types.js';
import { policyKey, type PublishedPolicy } from '../../loop/board.js';
import type { DecisionChange } from './history.js';
import { sortedPolicies, type StatusView } from './fragment.js';

export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

const orNull = (x: number | undefined): number | null => (x === undefined || !Number.isFinite(x) ? null : x);

function roleJson(d: RoleDecision, current: number | undefined, coldStartS: number | undefined): JsonValue {
  const i = d.inputs;
  return {
    desiredReplicas: d.desiredReplicas,
    currentReplicas: current ?? d.currentReplicas,
    readyReplicas: orNull(i.readyReplicas),
    measuredDemand: orNull(i.measuredDemand),
    forecastDemand: orNull(i.forecastDemand),
    demandUnit: i.demandUnit,
    observedLatencyMs: orNull(i.observedLatencyMs),
    sloMs: i.sloMs,
    coldStartS: orNull(coldStartS),
    horizonS: i.horizonS,
    boundBy: d.boundBy,
    limits: [...d.limits],
    reason: d.reason,
  };
}

function decisionJson(entry: PublishedPolicy, decision: Decision, nowMs: number): JsonValue {
  const roles = (r: Role): JsonValue =>
    roleJson(decision.roles[r], entry.currentReplicas?.[r], entry.observation?.roles[r].coldStartS?.value);
  return {
    atMs: decision.atMs,
    at: new Date(decision.atMs).toISOString(),
    ageS: (nowMs - decision.atMs) / 1000,
    gpus: decision.gpus,
    roles: { prefill: roles('prefill'), decode: roles('decode') },
  };
}

function changeJson(c: DecisionChange): JsonValue {
  const role = (r: Role): JsonValue => {
    const x = c.roles[r];
    return { from: x.from, to: x.to, boundBy: x.boundBy, limits: [...x.limits], reason: x.reason };
  };
  return {
    atMs: c.atMs,
    at: new Date(c.atMs).toISOString(),
    gpus: c.gpus,
    roles: { prefill: role('prefill'), decode: role('decode') },
  };
}

function policyJson(entry: PublishedPolicy, view: StatusView): JsonValue {
  const { spec } = entry;
  const samples = view.history.samples(entry.namespace, entry.name);
  const last = samples.at(-1);
  return {
    policy: policyKey(entry.namespace, entry.name),
    namespace: entry.namespace,
    name: entry.name,
    rbgName: spec.rbgName,
    intervalS: entry.intervalS,
    publishedAtMs: entry.publishedAtMs,
    slo: { quantile: spec.slo.quantile, ttftMs: spec.slo.ttftMs, tpotMs: spec.slo.tpotMs },
    gpuBudget: { min: orNull(spec.gpuBudget.min), max: orNull(spec.gpuBudget.max) },
    ratioBand:
      spec.ratio === undefined ? null : { min: spec.ratio.min, max: spec.ratio.max, basis: spec.ratio.basis },
    gpusInUse: orNull(last?.gpusInUse),
    ratio: orNull(last?.ratio),
    historyPoints: samples.length,
    decision: entry.decision === undefined ? null : decisionJson(entry, entry.decision, view.nowMs),
    changes: view.history.changes(entry.namespace, entry.name).map(changeJson),
  };
}

/** The board and history as one JSON document. */
export function statusJson(view: StatusView): JsonValue {
  return {
    generatedAtMs: view.nowMs,
    generatedAt: new Date(view.nowMs).toISOString(),
    policies: sortedPolicies(view.board).map((entry) => policyJson(entry, view)),
  };
}
