// SPDX-License-Identifier: Apache-2.0
// The clairvoyant lower bound, as docs/reference.md §G.2 defines it: for each 60 s
// interval and each role, the fewest replicas that keep >= 99% of that interval's requests within
// the SLO given the actual arrivals; replicas are requested one cold start ahead of need; a dip
// shorter than one cold start is filled (a replica needed again before a new one could start is
// kept). The plan is then played back through the same fleet as every other system, so the oracle's
// row is measured, not assumed.
//
// Each role is sized on its own, with the same replica code as the fleet: prefill on the interval's
// arrivals (TTFT = queue + prefill + KV transfer), decode on the same requests arriving after an
// unloaded prefill and transfer (TTFT including the wait for KV room, and TPOT). Requests from the
// previous interval run first as warm-up, so queues and batches carried over are counted.
import type { Role } from '../decision/types.js';
import { DecodeReplica } from './fleet/decode-replica.js';
import type { FleetOptions } from './fleet/fleet.js';
import { kvTransferMs } from './fleet/kv-transfer.js';
import type { FleetProfile } from './fleet/latency-model.js';
import { MinHeap } from './fleet/min-heap.js';
import { PrefillReplica } from './fleet/prefill-replica.js';
import type { ReplicaHost, TimedReplica } from './fleet/replica.js';
import { newSimRequest, type SimRequest } from './fleet/sim-request.js';
import type { TraceRequest } from './trace/types.js';

export const oracleIntervalS = 60;
/** The share of an interval's requests that must meet the SLO (docs/reference.md §G.2). */
export const oracleAttainment = 0.99;

export const oracleDefinition =
  'Oracle: for each 60 s interval and each role, the fewest replicas that keep >= 99% of that ' +
  "interval's requests within the SLO given the actual arrivals (each role sized on its own, with the " +
  "previous interval's requests as warm-up); replicas are requested one cold start ahead of need; a " +
  'dip shorter than one cold start is filled (a replica needed again before a new one could start is ' +
  'kept). The plan is played back through the same simulated fleet as every other system ' +
  '(docs/reference.md §G.2).';

export interface OracleSettings {
  readonly fleet: Pick<FleetOptions, 'profile' | 'prefillBatchTokens' | 'kvTransfer' | 'modelName'>;
  readonly slo: { readonly ttftMs: number; readonly tpotMs: number };
  readonly coldStartS: Readonly<Record<Role, number>>;
  /** The fewest replicas a role may have (the policy's minimum). */
  readonly floor: Readonly<Record<Role, number>>;
}

export interface OraclePlan {
  /** Replicas each 60 s interval needs, per role. */
  readonly needs: Readonly<Record<Role, readonly number[]>>;
  /** Replicas to have at `tS` seconds after the trace start: need over [t, t + cold start]. */
  readonly replicasAt: (tS: number) => Readonly<Record<Role, number>>;
  /** The largest count the plan ever asks for (what static-peak provisions). */
  readonly peak: Readonly<Record<Role, number>>;
}

/** A replica host with its own agenda: runs replicas of one role in isolation. */
class IsolatedRole implements ReplicaHost {
  readonly profile: FleetProfile;
  readonly epochMs = 0;
  private readonly agenda = new MinHeap<{ replica: TimedReplica; version: number }>();
  private readonly transferMs: (tokens: number) => number;
  private readonly onPrefillDone: (request: SimRequest, nowMs: number) => void;
  private readonly onFinished: (request: SimRequest, nowMs: number) => void;

  constructor(
    settings: OracleSettings,
    callbacks: {
      readonly prefillDone: (request: SimRequest, nowMs: number) => void;
      readonly finished: (request: SimRequest, nowMs: number) => void;
    },
  ) {
    this.profile = settings.fleet.profile;
    const link = settings.fleet.kvTransfer;
    this.transferMs = (tokens) => kvTransferMs(tokens, link);
    this.onPrefillDone = callbacks.prefillDone;
    this.onFinished = callbacks.finished;
  }

  kvTransferMs(tokens: number): number {
    return this.transferMs(tokens);
  }

  schedule(atMs: number, replica: TimedReplica, version: number): void {
    this.agenda.push(atMs, { replica, version });
  }

  prefillDone(request: SimRequest, nowMs: number): void {
    this.onPrefillDone(request, nowMs);
  }

  firstToken(request: SimRequest, nowMs: number): void {
    request.firstTokenMs = nowMs;
  }

  finished(request: SimRequest, nowMs: number): void {
    this.onFinished(request, nowMs);
  }

  /** Runs the agenda, feeding `arrivals` (sorted by `timeOf`) to `route` as their time comes. */
  run(
    arrivals: readonly SimRequest[],
    timeOf: (request: SimRequest) => number,
    route: (request: SimRequest, nowMs: number) => void,
  ): void {
    let next = 0;
    for (;;) {
      const arrival = arrivals[next];
      const arrivalMs = arrival === undefined ? Infinity : timeOf(arrival);
      const eventMs = this.agenda.peekKey();
      if (arrival === undefined && eventMs === Infinity) return;
      if (arrival !== undefined && arrivalMs <= eventMs) {
        route(arrival, arrivalMs);
        next++;
      } else {
        const entry = this.agenda.pop();
        entry?.value.replica.onTimer(entry.key, entry.value.version);
      }
    }
  }
}

interface Window {
  /** Requests of the previous interval (warm-up) and of this one, in arrival order. */
  readonly requests: readonly TraceRequest[];
  /** Index of the first request that counts (this interval's). */
  readonly firstCounted: number;
}

function leastLoadedIndex(loads: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < loads.length; i++) if ((loads[i] ?? 0) < (loads[best] ?? 0)) best = i;
  return best;
}

/** Requests of the window that meet the prefill side of the TTFT SLO with `replicas` prefill replicas. */
function prefillMet(window: Window, replicas: number, settings: OracleSettings): number {
  let met = 0;
  const host = new IsolatedRole(settings, {
    prefillDone: (request, nowMs) => {
      const ttft = nowMs - request.arrivalMs + host.kvTransferMs(request.inputTokens);
      if (request.id >= window.firstCounted && ttft <= settings.slo.ttftMs) met++;
    },
    finished: () => undefined,
  });
  const pool = Array.from(
    { length: replicas },
    (_, i) =>
      new PrefillReplica(
        host,
        { key: `p${i}`, createdMs: 0, state: 'ready' },
        { modelName: settings.fleet.modelName, batchTokenBudget: settings.fleet.prefillBatchTokens },
      ),
  );
  const arrivals = window.requests.map((r, i) => newSimRequest(i, r.arrivalMs, r));
  host.run(
    arrivals,
    (request) => request.arrivalMs,
    (request, nowMs) => {
      pool[leastLoadedIndex(pool.map((p) => p.outstandingTokens()))]?.enqueue(request, nowMs);
    },
  );
  return met;
}

/** Requests of the window that meet TTFT (with an unloaded prefill) and TPOT with `replicas` decode replicas. */
function decodeMet(window: Window, replicas: number, settings: OracleSettings): number {
  let met = 0;
  const { profile } = settings.fleet;
  const host = new IsolatedRole(settings, {
    prefillDone: () => undefined,
    finished: (request, nowMs) => {
      if (request.id < window.firstCounted) return;
      const gaps = request.outputTokens - 1;
      const tpot = gaps > 0 ? (nowMs - request.firstTokenMs) / gaps : 0;
      const ttft = request.firstTokenMs - request.arrivalMs;
      if (ttft <= settings.slo.ttftMs && tpot <= settings.slo.tpotMs) met++;
    },
  });
  const pool = Array.from(
    { length: replicas },
    (_, i) =>
      new DecodeReplica(
        host,
        { key: `d${i}`, createdMs: 0, state: 'ready' },
        { modelName: settings.fleet.modelName },
      ),
  );
  const arrivals = window.requests
    .map((r, i) => {
      const request = newSimRequest(i, r.arrivalMs, r);
      request.kvArrivedMs = r.arrivalMs + profile.prefillMs(r.inputTokens) + host.kvTransferMs(r.inputTokens);
      return request;
    })
    .sort((a, b) => a.kvArrivedMs - b.kvArrivedMs || a.id - b.id);
  host.run(
    arrivals,
    (request) => request.kvArrivedMs,
    (request, nowMs) => {
      pool[leastLoadedIndex(pool.map((d) => d.load()))]?.enqueue(request, nowMs);
    },
  );
  return met;
}

type MetCounter = (window: Window, replicas: number, settings: OracleSettings) => number;

/**
 * What an unlimited pool meets: with as many replicas as requests, least-loaded routing gives every
 * request an idle replica, so each is served alone. Simulating each alone gives the same count in
 * O(n) where one pool of n replicas costs O(n^2) routing (it took 300 s of a 30x trace's oracle).
 */
function metAlone(window: Window, settings: OracleSettings, met: MetCounter): number {
  let total = 0;
  for (let i = window.firstCounted; i < window.requests.length; i++) {
    const request = window.requests[i];
    if (request !== undefined) total += met({ requests: [request], firstCounted: 0 }, 1, settings);
  }
  return total;
}

/**
 * The fewest replicas meeting the attainment target, searched from `hint` (the previous interval's
 * need): needs move by a few replicas between intervals, so a walk costs a handful of runs. Requests
 * no replica count can serve within the SLO (a prompt whose unloaded prefill alone exceeds the TTFT
 * SLO) lower the target to what is attainable: the count at which each request has a replica of its
 * own.
 */
function fewestReplicas(window: Window, settings: OracleSettings, met: MetCounter, hint: number): number {
  const counted = window.requests.length - window.firstCounted;
  if (counted === 0) return 0;
  const unlimited = window.requests.length;
  const required = Math.min(Math.ceil(counted * oracleAttainment - 1e-9), metAlone(window, settings, met));
  const ok = (n: number): boolean => n >= unlimited || met(window, n, settings) >= required;
  let n = Math.max(1, hint);
  if (ok(n)) {
    while (n > 1 && ok(n - 1)) n--;
    return n;
  }
  let low = n;
  let high = Math.min(unlimited, n * 2);
  while (!ok(high)) {
    low = high;
    high = Math.min(unlimited, high * 2);
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (ok(mid)) high = mid;
    else low = mid;
  }
  return high;
}

function windows(requests: readonly TraceRequest[], durationS: number): Window[] {
  const count = Math.max(1, Math.ceil(durationS / oracleIntervalS));
  const out: Window[] = [];
  let start = 0;
  let warmStart = 0;
  for (let i = 0; i < count; i++) {
    const endMs = (i + 1) * oracleIntervalS * 1000;
    let end = start;
    while (end < requests.length && ((requests[end]?.arrivalMs ?? Infinity) < endMs || i === count - 1))
      end++;
    out.push({ requests: requests.slice(warmStart, end), firstCounted: start - warmStart });
    warmStart = start;
    start = end;
  }
  return out;
}

/** Plans the oracle for a trace (arrivals relative to its start, sorted). */
export function planOracle(
  requests: readonly TraceRequest[],
  durationS: number,
  settings: OracleSettings,
): OraclePlan {
  const intervals = windows(requests, durationS);
  const needs: Record<Role, number[]> = { prefill: [], decode: [] };
  let hint = { prefill: 1, decode: 1 };
  for (const window of intervals) {
    const prefill = fewestReplicas(window, settings, prefillMet, hint.prefill);
    const decode = fewestReplicas(window, settings, decodeMet, hint.decode);
    needs.prefill.push(prefill);
    needs.decode.push(decode);
    hint = { prefill: Math.max(1, prefill), decode: Math.max(1, decode) };
  }
  const replicasAt = (tS: number): Record<Role, number> => {
    const at = (role: Role): number => {
      const first = Math.max(0, Math.floor(tS / oracleIntervalS));
      const last = Math.floor((tS + settings.coldStartS[role]) / oracleIntervalS);
      let need = 0;
      for (let i = first; i <= last && i < needs[role].length; i++)
        need = Math.max(need, needs[role][i] ?? 0);
      return Math.max(settings.floor[role], need);
    };
    return { prefill: at('prefill'), decode: at('decode') };
  };
  const peak = {
    prefill: Math.max(settings.floor.prefill, ...needs.prefill),
    decode: Math.max(settings.floor.decode, ...needs.decode),
  };
  return { needs, replicasAt, peak };
}
