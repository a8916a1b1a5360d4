// SPDX-License-Identifier: Apache-2.0
// The parts of the RBG operator a scaling client meets, run synchronously after each API write so tests
// are deterministic: the adapter controller copying `adapter.spec.replicas` into the RBG role and the
// adapter status (docs/reference.md §A.3 "How an adapter's replica change reaches the role"), the role statuses the
// workload reports, and the validating webhook that rejects direct replica edits (docs/reference.md §A.3 "Ownership").
import type { KubeObject } from './fake-apiserver.js';
import type { AdmissionDenial, AdmissionRequest, RestResource } from './fake-rest.js';
import {
  adapterName,
  isoSeconds,
  makeAdapter,
  makeRbg,
  readyCondition,
  roleSelector,
  roleStatusesOf,
  rolesOf,
  type PdRole,
  type RoleSpecView,
} from './rbg-objects.js';

export interface SeedRbgOptions {
  readonly namespace: string;
  readonly name: string;
  readonly replicas: Readonly<Record<PdRole, number>>;
  /** Adapters are `Bound`; when false they are `NotBound` with no `spec.replicas` until `bind()`. @default true */
  readonly bound?: boolean;
  /** readyReplicas follow replicas at once; when false they move only through `setReady()`. @default true */
  readonly ready?: boolean;
}

export interface SeededRbg {
  readonly rbg: KubeObject;
  readonly adapters: Record<PdRole, KubeObject>;
}

/** The name of the RBG validating webhook (sgl-project/rbg config/webhook/manifests.yaml). */
const WEBHOOK = 'vrolebasedgroup.kb.io';

interface AdapterView {
  readonly namespace: string;
  readonly rbg: string;
  readonly role: string;
  readonly replicas: number | undefined;
}

function adapterView(adapter: KubeObject): AdapterView | undefined {
  const spec = adapter.spec as { replicas?: number; scaleTargetRef?: { name?: string; role?: string } };
  const status = adapter.status as { phase?: string } | undefined;
  const ref = spec.scaleTargetRef;
  // The controller skips adapters it did not create (no RBG owner) and unbound ones (docs/reference.md §A.3).
  const owners = (adapter.metadata?.ownerReferences ?? []) as { kind?: string; name?: string }[];
  const owned = owners.some((o) => o.kind === 'RoleBasedGroup' && o.name === ref?.name);
  if (!owned || status?.phase !== 'Bound' || ref?.name === undefined || ref.role === undefined)
    return undefined;
  return {
    namespace: adapter.metadata?.namespace ?? 'default',
    rbg: ref.name,
    role: ref.role,
    replicas: spec.replicas,
  };
}

/** kube's `utilerrors.NewAggregate(...).Error()`: one message alone, several as `[a, b]`. */
function aggregate(messages: readonly string[]): string {
  return messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(', ')}]`;
}

export class FakeRbgController {
  private readonly rbgs: RestResource;
  private readonly adapters: RestResource;
  private readonly nowMs: () => number;
  /** `ns/rbg` of groups whose readyReplicas follow replicas without `setReady`. */
  private readonly autoReady = new Set<string>();

  constructor(options: { rbgs: RestResource; adapters: RestResource; nowMs: () => number }) {
    this.rbgs = options.rbgs;
    this.adapters = options.adapters;
    this.nowMs = options.nowMs;
  }

  seed(options: SeedRbgOptions): SeededRbg {
    const { namespace, name } = options;
    const ready = options.ready ?? true;
    if (ready) this.autoReady.add(`${namespace}/${name}`);
    const nowMs = this.nowMs();
    const rbg = this.rbgs.store.apply(makeRbg({ namespace, name, replicas: options.replicas, ready, nowMs }));
    const adapter = (role: PdRole) =>
      this.adapters.store.apply(makeAdapter({ rbg, role, bound: options.bound ?? true, nowMs }));
    return { rbg, adapters: { prefill: adapter('prefill'), decode: adapter('decode') } };
  }

  /** Binds a `NotBound` adapter as the controller's first reconcile does (docs/reference.md §A.3 "Binding"). */
  bind(namespace: string, rbg: string, role: string): KubeObject {
    const adapter = this.adapters.store.get(namespace, adapterName(rbg, role));
    const group = this.rbgs.store.get(namespace, rbg);
    const replicas = group === undefined ? undefined : rolesOf(group).find((r) => r.name === role)?.replicas;
    if (adapter === undefined || group === undefined || replicas === undefined)
      throw new Error(`bind: no adapter or role ${namespace}/${rbg} ${role}`);
    const ready = roleStatusesOf(group).find((s) => s.name === role)?.readyReplicas ?? 0;
    return this.adapters.store.apply({
      ...adapter,
      spec: { ...(adapter.spec as object), replicas },
      status: {
        phase: 'Bound',
        replicas,
        readyReplicas: ready,
        selector: roleSelector(namespace, rbg, role),
      },
    });
  }

  /** The workload reports `ready` ready replicas for a role; the adapter status mirrors it. */
  setReady(namespace: string, rbg: string, role: string, ready: number): void {
    const group = this.copyOf(namespace, rbg);
    const status = group === undefined ? undefined : roleStatusesOf(group).find((s) => s.name === role);
    if (group === undefined || status === undefined)
      throw new Error(`setReady: no role ${role} in ${namespace}/${rbg}`);
    status.readyReplicas = ready;
    this.storeRbgStatus(group);
    this.mirrorReady(namespace, rbg, role, ready);
  }

  /** After any adapter write: push a changed `spec.replicas` of a bound adapter into its RBG role. */
  reconcileAdapter(stored: KubeObject): void {
    const view = adapterView(stored);
    // A negative value makes the controller's RBG update fail forever (docs/reference.md §A.3 "Spec and status").
    if (view?.replicas === undefined || view.replicas < 0) return;
    const group = this.copyOf(view.namespace, view.rbg);
    const role = group === undefined ? undefined : rolesOf(group).find((r) => r.name === view.role);
    if (group === undefined || role === undefined || role.replicas === view.replicas) return;
    // Same order as the operator: RBG update, adapter status, then the workload's role status.
    role.replicas = view.replicas;
    const meta = group.metadata ?? {};
    group.metadata = { ...meta, generation: Number(meta.generation ?? 1) + 1 };
    const updated = this.rbgs.store.apply(group);
    const adapter = this.adapters.store.get(view.namespace, adapterName(view.rbg, view.role));
    if (adapter !== undefined) {
      const status = { ...(adapter.status as object), replicas: view.replicas };
      this.adapters.store.apply({
        ...adapter,
        status: { ...status, lastScaleTime: isoSeconds(this.nowMs()) },
      });
    }
    this.syncRoleStatuses(structuredClone(updated));
  }

  /** After an RBG write through the API: the workload follows the (allowed) new role replicas. */
  reconcileRbg(stored: KubeObject): void {
    this.syncRoleStatuses(structuredClone(stored));
  }

  /** The RBG validating webhook's `ValidateScalingAdapterReplicas` (docs/reference.md §A.3 "Ownership"). */
  admitRbg(request: AdmissionRequest): AdmissionDenial | undefined {
    if (request.operation !== 'UPDATE' || request.oldObject === undefined) return undefined;
    const namespace = request.oldObject.metadata?.namespace ?? 'default';
    const rbg = request.oldObject.metadata?.name ?? '';
    const before = new Map(rolesOf(request.oldObject).map((role) => [role.name, role]));
    const problems = rolesOf(request.object).flatMap((role, index) => {
      const problem = this.replicaProblem({ namespace, rbg, role, before: before.get(role.name), index });
      return problem === undefined ? [] : [problem];
    });
    if (problems.length === 0) return undefined;
    return {
      code: 403,
      reason: 'Forbidden',
      message: `admission webhook "${WEBHOOK}" denied the request: ${aggregate(problems)}`,
    };
  }

  private replicaProblem(check: {
    namespace: string;
    rbg: string;
    role: RoleSpecView;
    before: RoleSpecView | undefined;
    index: number;
  }): string | undefined {
    const { role, before } = check;
    if (role.scalingAdapter?.enable !== true || before === undefined || before.replicas === role.replicas)
      return undefined;
    const name = adapterName(check.rbg, role.name);
    const adapter = this.adapters.store.get(check.namespace, name);
    const owned = (adapter?.spec as { replicas?: number } | undefined)?.replicas;
    if (owned === undefined || role.replicas === undefined || owned === role.replicas) return undefined;
    return `spec.roles[${check.index}].replicas (role "${role.name}"): cannot be changed to ${role.replicas} while scalingAdapter.enable is true and ScalingAdapter "${name}" has spec.replicas ${owned}`;
  }

  /** A copy of a stored RBG: stored objects are shared with the watch history, never edit them. */
  private copyOf(namespace: string, rbg: string): KubeObject | undefined {
    const group = this.rbgs.store.get(namespace, rbg);
    return group === undefined ? undefined : structuredClone(group);
  }

  /** Role statuses follow spec replicas at once; readyReplicas too for auto-ready groups, else capped. */
  private syncRoleStatuses(group: KubeObject): void {
    const namespace = group.metadata?.namespace ?? 'default';
    const rbg = group.metadata?.name ?? '';
    const auto = this.autoReady.has(`${namespace}/${rbg}`);
    const statuses = roleStatusesOf(group);
    const before = JSON.stringify(statuses);
    for (const role of rolesOf(group)) {
      const replicas = role.replicas ?? 1;
      const status = statuses.find((s) => s.name === role.name);
      const ready = auto ? replicas : Math.min(status?.readyReplicas ?? 0, replicas);
      const next = { name: role.name, replicas, readyReplicas: ready, updatedReplicas: replicas };
      if (status === undefined) statuses.push(next);
      else Object.assign(status, next);
      this.mirrorReady(namespace, rbg, role.name, ready);
    }
    const observed = (group.status as { observedGeneration?: unknown } | undefined)?.observedGeneration;
    if (JSON.stringify(statuses) === before && observed === group.metadata?.generation) return;
    group.status = { ...(group.status as object), roleStatuses: statuses };
    this.storeRbgStatus(group);
  }

  private storeRbgStatus(group: KubeObject): void {
    const generation = group.metadata?.generation;
    group.status = {
      ...(group.status as object),
      observedGeneration: generation,
      conditions: [readyCondition(group, this.nowMs())],
    };
    this.rbgs.store.apply(group);
  }

  private mirrorReady(namespace: string, rbg: string, role: string, ready: number): void {
    const adapter = this.adapters.store.get(namespace, adapterName(rbg, role));
    const status = adapter?.status as { phase?: string; readyReplicas?: number } | undefined;
    if (adapter === undefined || status?.phase !== 'Bound' || status.readyReplicas === ready) return;
    this.adapters.store.apply({ ...adapter, status: { ...status, readyReplicas: ready } });
  }
}
