// SPDX-License-Identifier: Apache-2.0
// The simulated P/D fleet: replicas per role with their lifecycle, least-loaded routing, the KV
// transfer between the roles, and the agenda that drives them. A run replays a trace in order; the
// backtest advances it step by step (`runUntil`) and lets a system change the replica counts between
// steps (`setDesired`), as a scaling adapter's `/scale` would.
//
// Routing binds a request to a replica when it arrives (the least loaded ready one), as a gateway
// does; a role with no ready replica holds requests in a role-wide queue until one is ready.
import type { Role } from '../../decision/types.js';
import type { RoleFleetView, RouterView } from '../systems/types.js';
import type { TraceRequest } from '../trace/types.js';
import { DecodeReplica } from './decode-replica.js';
import { kvTransferMs, type KvLink } from './kv-transfer.js';
import type { FleetProfile } from './latency-model.js';
import { MinHeap } from './min-heap.js';
import { PrefillReplica } from './prefill-replica.js';
import type { ReplicaHost, ReplicaLifecycle, TimedReplica } from './replica.js';
import { RequestLog } from './request-log.js';
import { newSimRequest, type SimRequest } from './sim-request.js';

export interface FleetOptions {
  readonly profile: FleetProfile;
  readonly modelName: string;
  /** Epoch milliseconds of the trace's time 0. */
  readonly startMs: number;
  /** Pod creation to Ready, per role. */
  readonly coldStartS: Readonly<Record<Role, number>>;
  /** Prompt tokens per prefill batch (vLLM `max_num_batched_tokens`). */
  readonly prefillBatchTokens: number;
  /** KV transfer: bytes of KV cache per prompt token and the link's bandwidth. */
  readonly kvTransfer: KvLink;
  /** Replicas Ready at time 0 (a fleet that was already running before the trace). */
  readonly initialReplicas: Readonly<Record<Role, number>>;
}

/** One replica's creation and Ready times, epoch ms. */
export interface ReplicaStart {
  readonly key: string;
  readonly role: Role;
  readonly createdMs: number;
  readonly readyMs: number;
}

type Agenda =
  | { readonly kind: 'timer'; readonly replica: TimedReplica & ReplicaLifecycle; readonly version: number }
  | { readonly kind: 'kv-arrived'; readonly request: SimRequest }
  | { readonly kind: 'ready'; readonly replica: ReplicaLifecycle };

type AnyReplica = PrefillReplica | DecodeReplica;

export class Fleet implements ReplicaHost {
  readonly profile: FleetProfile;
  readonly log: RequestLog;
  private readonly options: FleetOptions;
  private readonly trace: readonly TraceRequest[];
  private nextArrival = 0;
  private readonly agenda = new MinHeap<Agenda>();
  private readonly prefill: PrefillReplica[] = [];
  private readonly decode: DecodeReplica[] = [];
  private readonly byKey = new Map<string, AnyReplica>();
  private readonly pending: Record<Role, SimRequest[]> = { prefill: [], decode: [] };
  private readonly desired: Record<Role, number>;
  private created = 0;
  /** Prompt tokens whose KV is on the wire from prefill to decode. */
  private kvInTransferTokens = 0;
  /** Simulated time since the trace start, ms (relative: see ReplicaHost.epochMs). */
  private now = 0;

  constructor(options: FleetOptions, trace: readonly TraceRequest[]) {
    this.options = options;
    this.profile = options.profile;
    this.trace = trace;
    this.log = new RequestLog(trace.length);
    this.desired = { prefill: options.initialReplicas.prefill, decode: options.initialReplicas.decode };
    for (const role of ['prefill', 'decode'] as const) {
      for (let i = 0; i < options.initialReplicas[role]; i++) this.addReplica(role, 'ready');
    }
  }

  get epochMs(): number {
    return this.options.startMs;
  }

  /** The simulated clock, epoch ms. */
  get nowMs(): number {
    return this.options.startMs + this.now;
  }

  /** True once every request of the trace has produced its last token. */
  allDone(): boolean {
    return this.log.finished === this.trace.length;
  }

  /** Processes every arrival and event up to and including `untilEpochMs`. */
  runUntil(untilEpochMs: number): void {
    const untilMs = untilEpochMs - this.options.startMs;
    for (;;) {
      const arrival = this.trace[this.nextArrival];
      const arrivalMs = arrival === undefined ? Infinity : arrival.arrivalMs;
      const eventMs = this.agenda.peekKey();
      if (Math.min(arrivalMs, eventMs) > untilMs) break;
      if (arrivalMs <= eventMs && arrival !== undefined) {
        this.now = arrivalMs;
        this.route('prefill', newSimRequest(this.nextArrival++, arrivalMs, arrival));
      } else {
        const entry = this.agenda.pop();
        if (entry === undefined) break;
        this.now = entry.key;
        this.handle(entry.value);
      }
    }
    this.now = Math.max(this.now, untilMs);
    for (const replica of this.decode) if (replica.state !== 'stopped') replica.step(this.now);
  }

  /** Sets a role's replica count as a write to its scaling adapter's `/scale` would. */
  setDesired(role: Role, replicas: number): void {
    const target = Math.max(0, Math.round(replicas));
    this.desired[role] = target;
    const live = this.replicasOf(role).filter((r) => r.state === 'starting' || r.state === 'ready');
    for (let i = live.length; i < target; i++) this.addReplica(role, 'starting');
    if (live.length > target) this.remove(live, live.length - target);
  }

  view(role: Role): RoleFleetView {
    let ready = 0;
    let starting = 0;
    let draining = 0;
    for (const replica of this.replicasOf(role)) {
      if (replica.state === 'ready') ready++;
      else if (replica.state === 'starting') starting++;
      else if (replica.state === 'draining') draining++;
    }
    return { desired: this.desired[role], ready, starting, draining };
  }

  /** Keys of the role's Ready replicas: the pods a collector finds in the endpoints. */
  readyKeys(role: Role): string[] {
    return this.replicasOf(role)
      .filter((r) => r.state === 'ready')
      .map((r) => r.key);
  }

  /**
   * The role's live replicas that became Ready after a cold start, as a cold-start measurement lists pods
   * (src/kube/pod-start.ts): epoch ms of creation and of Ready. Replicas Ready at creation are the
   * fleet's initial ones, which started before the trace, so they measure nothing.
   */
  replicaStarts(role: Role): ReplicaStart[] {
    const startMs = this.options.startMs;
    return this.replicasOf(role)
      .filter((r) => r.state !== 'stopped' && r.readyMs > r.createdMs)
      .map((r) => ({ key: r.key, role, createdMs: startMs + r.createdMs, readyMs: startMs + r.readyMs }));
  }

  /** The `/metrics` page of a replica, or undefined when it is gone. */
  renderPage(key: string): string | undefined {
    const replica = this.byKey.get(key);
    return replica === undefined || replica.state === 'stopped' ? undefined : replica.metrics.render();
  }

  /** Requests in the decode role, running or waiting, plus those waiting for any decode replica. */
  decodeActive(): number {
    let active = this.pending.decode.length;
    for (const replica of this.decode) if (replica.state !== 'stopped') active += replica.load();
    return active;
  }

  /** The router's exact token counts (RouterView), over every replica not yet stopped. */
  routerView(): RouterView {
    let prefillQueuedTokens = 0;
    for (const request of this.pending.prefill) prefillQueuedTokens += request.inputTokens;
    for (const replica of this.prefill)
      if (replica.state !== 'stopped') prefillQueuedTokens += replica.queuedPromptTokens();
    let kvOnPrefillTokens = this.kvInTransferTokens;
    for (const request of this.pending.decode) kvOnPrefillTokens += request.inputTokens;
    let kvOnDecodeTokens = 0;
    for (const replica of this.decode) {
      if (replica.state === 'stopped') continue;
      kvOnPrefillTokens += replica.waitingKvTokens();
      kvOnDecodeTokens += replica.kvTokensInUse();
    }
    return {
      prefillQueuedTokens,
      kvOnPrefillTokens,
      kvOnDecodeTokens,
      kvCapacityTokensPerReplica: this.profile.kvCapacityTokens,
    };
  }

  /** GPU-seconds from time 0 to `untilEpochMs`: every replica from creation to stop, times its GPUs. */
  gpuSeconds(untilEpochMs: number): number {
    const untilMs = untilEpochMs - this.options.startMs;
    let total = 0;
    for (const replica of this.byKey.values()) {
      const end = Number.isNaN(replica.stoppedMs) ? untilMs : Math.min(replica.stoppedMs, untilMs);
      const seconds = (end - replica.createdMs) / 1000;
      if (seconds > 0) total += seconds * this.profile.gpusPerReplica[replica.role];
    }
    return total;
  }

  schedule(atMs: number, replica: TimedReplica, version: number): void {
    this.agenda.push(atMs, { kind: 'timer', replica: replica as AnyReplica, version });
  }

  prefillDone(request: SimRequest, nowMs: number): void {
    request.prefillDoneMs = nowMs;
    this.kvInTransferTokens += request.inputTokens;
    this.agenda.push(nowMs + kvTransferMs(request.inputTokens, this.options.kvTransfer), {
      kind: 'kv-arrived',
      request,
    });
  }

  firstToken(request: SimRequest, nowMs: number): void {
    request.firstTokenMs = nowMs;
    this.log.firstToken(request.id, nowMs - request.arrivalMs);
  }

  finished(request: SimRequest, nowMs: number): void {
    const gaps = request.outputTokens - 1;
    this.log.finish(request.id, gaps > 0 ? (nowMs - request.firstTokenMs) / gaps : 0);
  }

  private handle(entry: Agenda): void {
    if (entry.kind === 'timer') {
      entry.replica.onTimer(this.now, entry.version);
      this.stopIfDrained(entry.replica);
    } else if (entry.kind === 'kv-arrived') {
      entry.request.kvArrivedMs = this.now;
      this.kvInTransferTokens -= entry.request.inputTokens;
      this.route('decode', entry.request);
    } else if (entry.replica.state === 'starting') {
      entry.replica.state = 'ready';
      entry.replica.readyMs = this.now;
      this.flushPending(entry.replica.role);
    }
  }

  private replicasOf(role: Role): readonly AnyReplica[] {
    return role === 'prefill' ? this.prefill : this.decode;
  }

  private addReplica(role: Role, state: 'ready' | 'starting'): void {
    const key = `${role}-${this.created++}`;
    const identity = { key, createdMs: this.now, state };
    const replica =
      role === 'prefill'
        ? new PrefillReplica(this, identity, {
            modelName: this.options.modelName,
            batchTokenBudget: this.options.prefillBatchTokens,
          })
        : new DecodeReplica(this, identity, { modelName: this.options.modelName });
    if (replica instanceof PrefillReplica) this.prefill.push(replica);
    else this.decode.push(replica);
    this.byKey.set(key, replica);
    if (state === 'ready') replica.readyMs = this.now;
    else this.agenda.push(this.now + this.options.coldStartS[role] * 1000, { kind: 'ready', replica });
  }

  /**
   * Scale-down as a controller deleting pods would prefer: pods still starting go first (newest
   * first), then the Ready ones holding the least work, which drain before they stop.
   */
  private remove(live: readonly AnyReplica[], count: number): void {
    const order = [...live].sort((a, b) => {
      if (a.state !== b.state) return a.state === 'starting' ? -1 : 1;
      const byLoad = loadOf(a) - loadOf(b);
      return byLoad !== 0 ? byLoad : b.createdMs - a.createdMs;
    });
    for (const replica of order.slice(0, count)) {
      replica.state = replica.state === 'starting' ? 'stopped' : 'draining';
      if (replica.state === 'stopped') replica.stoppedMs = this.now;
      this.stopIfDrained(replica);
    }
  }

  private stopIfDrained(replica: ReplicaLifecycle): void {
    if (replica.state === 'draining' && replica.isIdle()) {
      replica.state = 'stopped';
      replica.stoppedMs = this.now;
    }
  }

  private route(role: Role, request: SimRequest): void {
    const target = leastLoaded(this.replicasOf(role));
    if (target === undefined) this.pending[role].push(request);
    else target.enqueue(request, this.now);
  }

  private flushPending(role: Role): void {
    const waiting = this.pending[role];
    this.pending[role] = [];
    for (const request of waiting) this.route(role, request);
  }
}

function loadOf(replica: AnyReplica): number {
  return replica instanceof PrefillReplica ? replica.outstandingTokens() : replica.load();
}

function leastLoaded(replicas: readonly AnyReplica[]): AnyReplica | undefined {
  let best: AnyReplica | undefined;
  let bestLoad = Infinity;
  for (const replica of replicas) {
    if (replica.state !== 'ready') continue;
    const load = loadOf(replica);
    if (load < bestLoad) {
      best = replica;
      bestLoad = load;
    }
  }
  return best;
}
