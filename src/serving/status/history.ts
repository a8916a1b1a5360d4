// SPDX-License-Identifier: Apache-2.0
// What the status page plots: a bounded history per policy of the published decisions (demand,
// replicas, latency against the SLO, GPUs, P/D ratio) and a short log of the decisions that changed a
// number. It follows the DecisionBoard and only copies figures the decision already holds: nothing is
// decided here, and each publish costs O(1) whatever the history length.
import type { BoundRule, Decision, DecisionSpec, EpochMs, Role } from '../../decision/types.js';
import { Roles } from '../../decision/types.js';
import { policyKey, type DecisionBoard, type PublishedPolicy } from '../../loop/board.js';
import { Ring } from './ring.js';

/** One role at one tick. Unknown figures stay undefined (unknown is not zero). */
export interface RoleSample {
  /** Demand in the role's unit (`demandUnit` of the decision inputs). */
  readonly measuredDemand: number | undefined;
  readonly forecastDemand: number | undefined;
  readonly desired: number;
  /** The scaling adapter's replicas when the board knows them, else the decision's current count. */
  readonly current: number;
  readonly ready: number | undefined;
  /** TTFT (prefill) or TPOT (decode) at the SLO quantile. */
  readonly observedLatencyMs: number | undefined;
  readonly sloMs: number;
  readonly boundBy: BoundRule;
}

export interface HistorySample {
  readonly atMs: EpochMs;
  readonly roles: Readonly<Record<Role, RoleSample>>;
  /** GPUs the decision asks for (`Decision.gpus`). */
  readonly gpusDesired: number;
  /** GPUs held now: current replicas x GPUs per replica; starting pods hold their GPUs too. */
  readonly gpusInUse: number;
  /** Desired prefill/decode on the ratio band's basis (replicas unless the band counts GPUs); undefined at 0 decode. */
  readonly ratio: number | undefined;
}

export interface RoleChange {
  readonly from: number;
  readonly to: number;
  readonly boundBy: BoundRule;
  readonly limits: readonly BoundRule[];
  readonly reason: string;
}

/** A decision that changed some role's desired replicas. */
export interface DecisionChange {
  readonly atMs: EpochMs;
  readonly gpus: number;
  readonly roles: Readonly<Record<Role, RoleChange>>;
}

export interface DecisionHistoryOptions {
  /** Samples kept per policy. @default 720 (1 h at a 5 s interval) */
  readonly maxPoints?: number;
  /** Samples older than this, counted back from the newest, are dropped. @default 3_600_000 (1 h) */
  readonly maxAgeMs?: number;
  /** Changes kept per policy. @default 10 */
  readonly maxChanges?: number;
}

interface PolicyHistory {
  readonly samples: Ring<HistorySample>;
  readonly changes: Ring<DecisionChange>;
  lastDesired: Readonly<Record<Role, number>> | undefined;
  lastDecisionAtMs: EpochMs | undefined;
  /** Moves on every recorded publish, so a reader can tell its copy is current. */
  version: number;
}

/** Prefill and decode in the band's units: the ratio band counts replicas or GPUs (policy `ratio.basis`). */
export function desiredRatio(spec: DecisionSpec, decision: Decision): number | undefined {
  const gpus = spec.ratio?.basis === 'gpus';
  const units = (role: Role): number =>
    decision.roles[role].desiredReplicas * (gpus ? spec.roles[role].gpusPerReplica : 1);
  const decode = units('decode');
  return decode === 0 ? undefined : units('prefill') / decode;
}

function currentOf(entry: PublishedPolicy, decision: Decision, role: Role): number {
  return entry.currentReplicas?.[role] ?? decision.roles[role].currentReplicas;
}

function sampleOf(entry: PublishedPolicy, decision: Decision): HistorySample {
  const role = (r: Role): RoleSample => {
    const d = decision.roles[r];
    return {
      measuredDemand: d.inputs.measuredDemand,
      forecastDemand: d.inputs.forecastDemand,
      desired: d.desiredReplicas,
      current: currentOf(entry, decision, r),
      ready: d.inputs.readyReplicas,
      observedLatencyMs: d.inputs.observedLatencyMs,
      sloMs: d.inputs.sloMs,
      boundBy: d.boundBy,
    };
  };
  const gpusInUse = Roles.reduce(
    (sum, r) => sum + currentOf(entry, decision, r) * entry.spec.roles[r].gpusPerReplica,
    0,
  );
  return {
    atMs: decision.atMs,
    roles: { prefill: role('prefill'), decode: role('decode') },
    gpusDesired: decision.gpus,
    gpusInUse,
    ratio: desiredRatio(entry.spec, decision),
  };
}

function changeOf(decision: Decision, previous: Readonly<Record<Role, number>> | undefined): DecisionChange {
  const role = (r: Role): RoleChange => {
    const d = decision.roles[r];
    return {
      from: previous?.[r] ?? d.currentReplicas,
      to: d.desiredReplicas,
      boundBy: d.boundBy,
      limits: d.limits,
      reason: d.reason,
    };
  };
  return {
    atMs: decision.atMs,
    gpus: decision.gpus,
    roles: { prefill: role('prefill'), decode: role('decode') },
  };
}

export class DecisionHistory {
  private readonly policies = new Map<string, PolicyHistory>();
  private readonly maxPoints: number;
  private readonly maxAgeMs: number;
  private readonly maxChanges: number;

  constructor(options: DecisionHistoryOptions = {}) {
    this.maxPoints = options.maxPoints ?? 720;
    this.maxAgeMs = options.maxAgeMs ?? 3_600_000;
    this.maxChanges = options.maxChanges ?? 10;
  }

  /** Records every entry already on `board` and every later publish; returns the unsubscribe function. */
  follow(board: DecisionBoard): () => void {
    for (const entry of board.list()) this.record(entry);
    return board.subscribe((entry) => {
      this.record(entry);
    });
  }

  /**
   * Adds the entry's decision. A republish of the same decision (new current replicas, say) replaces
   * the newest sample instead of adding one; an entry without a decision adds nothing.
   */
  record(entry: PublishedPolicy): void {
    const decision = entry.decision;
    if (decision === undefined) return;
    const policy = this.policyFor(policyKey(entry.namespace, entry.name));
    const sample = sampleOf(entry, decision);
    policy.version += 1;
    if (policy.lastDecisionAtMs === decision.atMs) {
      policy.samples.replaceLast(sample);
      return;
    }
    policy.samples.push(sample);
    policy.samples.dropOldestWhile((s) => s.atMs < decision.atMs - this.maxAgeMs);
    const baseline = policy.lastDesired;
    if (
      Roles.some(
        (r) => decision.roles[r].desiredReplicas !== (baseline?.[r] ?? decision.roles[r].currentReplicas),
      )
    )
      policy.changes.push(changeOf(decision, baseline));
    policy.lastDesired = {
      prefill: decision.roles.prefill.desiredReplicas,
      decode: decision.roles.decode.desiredReplicas,
    };
    policy.lastDecisionAtMs = decision.atMs;
  }

  /** Oldest first. */
  samples(namespace: string, name: string): readonly HistorySample[] {
    return this.policies.get(policyKey(namespace, name))?.samples.toArray() ?? [];
  }

  /** Moves whenever the policy's samples or changes do; 0 before its first decision. */
  version(namespace: string, name: string): number {
    return this.policies.get(policyKey(namespace, name))?.version ?? 0;
  }

  /** Newest first. */
  changes(namespace: string, name: string): readonly DecisionChange[] {
    return this.policies.get(policyKey(namespace, name))?.changes.toArray().reverse() ?? [];
  }

  private policyFor(key: string): PolicyHistory {
    let policy = this.policies.get(key);
    if (policy === undefined) {
      policy = {
        samples: new Ring<HistorySample>(this.maxPoints),
        changes: new Ring<DecisionChange>(this.maxChanges),
        lastDesired: undefined,
        lastDecisionAtMs: undefined,
        version: 0,
      };
      this.policies.set(key, policy);
    }
    return policy;
  }
}
