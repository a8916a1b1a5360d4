// SPDX-License-Identifier: Apache-2.0
// The simulated fleet's mechanics: replica lifecycle (starting -> ready -> draining -> stopped) and
// what it costs, least-loaded routing, decode admission by KV capacity, and a run being a pure
// function of its inputs. Time is the simulator's own: tests advance it with runUntil.
import { describe, expect, it } from 'vitest';
import type { Role } from '../../../src/decision/types.js';
import { Fleet } from '../../../src/sim/fleet/fleet.js';
import type { TraceRequest } from '../../../src/sim/trace/types.js';
import {
  burst,
  expectWithin,
  finishMs,
  fleetOptions,
  h200,
  kvTransferMs,
  maxKvTokens,
  profileTtftMs,
  readPage,
  runToEnd,
  seededTrace,
} from '../helpers.js';

const s = (seconds: number): number => seconds * 1000;

describe('replica lifecycle', () => {
  it('a replica added by setDesired is starting until exactly coldStartS later, then ready', () => {
    const startMs = 1_000_000;
    const fleet = new Fleet(
      fleetOptions({ startMs, initialReplicas: { prefill: 0 }, coldStartS: { prefill: 30 } }),
      [],
    );
    fleet.runUntil(startMs + s(10));
    fleet.setDesired('prefill', 1);
    expect(fleet.view('prefill')).toEqual({ desired: 1, ready: 0, starting: 1, draining: 0 });
    fleet.runUntil(startMs + s(40) - 1);
    expect(fleet.view('prefill')).toEqual({ desired: 1, ready: 0, starting: 1, draining: 0 });
    expect(fleet.readyKeys('prefill')).toEqual([]);
    fleet.runUntil(startMs + s(40));
    expect(fleet.view('prefill')).toEqual({ desired: 1, ready: 1, starting: 0, draining: 0 });
  });

  it('a request arriving while no replica is ready waits for the first one and is then served', () => {
    // The replica is asked for at 0 and ready at 30 s; the request arrives at 5 s and waits 25 s.
    const trace = [{ arrivalMs: s(5), inputTokens: 1000, outputTokens: 2 }];
    const fleet = new Fleet(
      fleetOptions({ initialReplicas: { prefill: 0 }, coldStartS: { prefill: 30 } }),
      trace,
    );
    fleet.setDesired('prefill', 1);
    fleet.runUntil(s(29));
    expect(fleet.log.ttftMs[0]).toBeNaN();
    runToEnd(fleet);
    expect(fleet.allDone()).toBe(true);
    expect(fleet.log.ttftMs[0]).toBeCloseTo(s(25) + profileTtftMs(1000) + kvTransferMs(1000), 6);
  });

  it('scale-down cancels starting replicas before it drains ready ones', () => {
    const fleet = new Fleet(fleetOptions({ initialReplicas: { prefill: 1 } }), []);
    fleet.setDesired('prefill', 3);
    expect(fleet.view('prefill')).toEqual({ desired: 3, ready: 1, starting: 2, draining: 0 });
    fleet.setDesired('prefill', 2);
    expect(fleet.view('prefill')).toEqual({ desired: 2, ready: 1, starting: 1, draining: 0 });
    fleet.setDesired('prefill', 1);
    expect(fleet.view('prefill')).toEqual({ desired: 1, ready: 1, starting: 0, draining: 0 });
    // An idle Ready replica has nothing to drain: it stops at once.
    fleet.setDesired('prefill', 0);
    expect(fleet.view('prefill')).toEqual({ desired: 0, ready: 0, starting: 0, draining: 0 });
  });

  it('a draining replica finishes its in-flight request, takes no new one, and then stops', () => {
    // Two prefill replicas finish both prompts together, so each decode replica gets one sequence of
    // 1,000 output tokens (~4.4 s at a batch of one); a third arrives at 2 s while one drains.
    const trace: TraceRequest[] = [
      ...burst(2, { inputTokens: 1000, outputTokens: 1001 }),
      { arrivalMs: s(2), inputTokens: 1000, outputTokens: 1001 },
    ];
    const fleet = new Fleet(fleetOptions({ initialReplicas: { prefill: 2, decode: 2 } }), trace);
    fleet.runUntil(s(1));
    const before = fleet.readyKeys('decode');
    fleet.setDesired('decode', 1);
    expect(fleet.view('decode')).toEqual({ desired: 1, ready: 1, starting: 0, draining: 1 });
    const drained = before.find((key) => !fleet.readyKeys('decode').includes(key))!;
    const kept = fleet.readyKeys('decode')[0]!;
    fleet.runUntil(s(2.5));
    expect(readPage(fleet, drained).gauges.runningRequests).toBe(1);
    expect(readPage(fleet, kept).gauges.runningRequests).toBe(2);
    runToEnd(fleet);
    expect(fleet.allDone()).toBe(true);
    expect(fleet.view('decode')).toEqual({ desired: 1, ready: 1, starting: 0, draining: 0 });
    expect(fleet.renderPage(drained)).toBeUndefined();
    // The drained replica's sequence ran alone to the end, at the batch-of-one ITL (the context grows
    // from 1,000 to 2,000 tokens on the way, so the ITL creeps up by a fraction of a percent).
    const alone = h200.decodeItlMs(1000, 1000 / maxKvTokens);
    expectWithin(Math.min(fleet.log.tpotMs[0]!, fleet.log.tpotMs[1]!), alone, 0.01);
  });

  it('GPU-seconds count starting time: 1 replica over 100 s plus one started at 10 s and cancelled at 40 s is 130', () => {
    // 1 GPU per replica (TP1): 100 s + (40 - 10) s = 130 GPU-seconds.
    expect(h200.gpusPerReplica).toEqual({ prefill: 1, decode: 1 });
    const fleet = new Fleet(fleetOptions({ initialReplicas: { prefill: 1, decode: 0 } }), []);
    fleet.runUntil(s(10));
    fleet.setDesired('prefill', 2);
    fleet.runUntil(s(40));
    fleet.setDesired('prefill', 1);
    expect(fleet.view('prefill').starting).toBe(0);
    fleet.runUntil(s(100));
    expect(fleet.gpuSeconds(s(100))).toBeCloseTo(130, 9);
  });

  it('GPU-seconds count a draining replica until its last request finishes', () => {
    // Two prefill replicas finish both prompts together, so the two decode replicas get one sequence
    // each and both end at the same instant: the drained one stops then.
    const trace = burst(2, { inputTokens: 1000, outputTokens: 1001 });
    const fleet = new Fleet(fleetOptions({ initialReplicas: { prefill: 2, decode: 2 } }), trace);
    fleet.runUntil(s(1));
    fleet.setDesired('decode', 1);
    expect(fleet.view('decode').draining).toBe(1);
    fleet.runUntil(s(60));
    const stopMs = finishMs(fleet.log, trace, 0);
    expect(finishMs(fleet.log, trace, 1)).toBeCloseTo(stopMs, 6);
    expect(stopMs).toBeGreaterThan(s(4)); // ~4.4 s of decode, most of it while draining
    // 2 prefill + 1 kept decode replica over 60 s, plus the drained one from 0 to its stop.
    expect(fleet.gpuSeconds(s(60))).toBeCloseTo(3 * 60 + stopMs / 1000, 6);
  });
});

describe('routing', () => {
  it('least-loaded routing gives each of 4 prefill replicas 2 of 8 simultaneous prompts', () => {
    // 3,000-token prompts: each replica starts one at once and queues the next.
    const fleet = new Fleet(
      fleetOptions({ initialReplicas: { prefill: 4 } }),
      burst(8, { inputTokens: 3000, outputTokens: 2 }),
    );
    fleet.runUntil(0);
    const keys = fleet.readyKeys('prefill');
    expect(keys).toHaveLength(4);
    for (const key of keys) {
      const { gauges } = readPage(fleet, key);
      expect({ running: gauges.runningRequests, waiting: gauges.waitingRequests }).toEqual({
        running: 1,
        waiting: 1,
      });
    }
    runToEnd(fleet);
    for (const key of keys) expect(readPage(fleet, key).counters.requestsFinished).toBe(2);
  });

  it('least-loaded routing gives each of 3 decode replicas 2 of 6 simultaneous sequences', () => {
    const fleet = new Fleet(
      fleetOptions({ initialReplicas: { prefill: 6, decode: 3 } }),
      burst(6, { inputTokens: 1000, outputTokens: 100 }),
    );
    fleet.runUntil(s(0.1));
    for (const key of fleet.readyKeys('decode')) expect(readPage(fleet, key).gauges.runningRequests).toBe(2);
  });
});

describe('decode admission', () => {
  it('sequences past max_kv_tokens wait for KV room, visible in num_requests_waiting and in their TTFT', () => {
    // Each sequence reserves ISL + OSL = 10,000 tokens: floor(945,029 / 10,000) = 94 fit, 6 wait.
    expect(maxKvTokens).toBe(945_029);
    const requests = 100;
    const trace = burst(requests, { inputTokens: 9000, outputTokens: 1000 });
    const fleet = new Fleet(fleetOptions({ initialReplicas: { prefill: requests } }), trace);
    fleet.runUntil(profileTtftMs(9000) + kvTransferMs(9000) + 1);
    const decode = readPage(fleet, fleet.readyKeys('decode')[0]!);
    expect(decode.gauges.runningRequests).toBe(94);
    expect(decode.gauges.waitingRequests).toBe(6);
    expect(fleet.decodeActive()).toBe(requests);
    runToEnd(fleet);
    const ttft = Array.from(fleet.log.ttftMs);
    const first = Math.min(...ttft);
    const waited = ttft.filter((t) => t > first + 1);
    expect(waited).toHaveLength(6);
    // They waited for the first batch's 999 decode steps, each at least a batch-of-one ITL.
    for (const t of waited) expect(t - first).toBeGreaterThan(999 * h200.decodeItlMs(9000, 0));
  });
});

describe('runs', () => {
  /** A seeded trace through a fleet that also scales up and down along the way. */
  function scriptedRun(startMs: number, trace: readonly TraceRequest[]): Fleet {
    const fleet = new Fleet(
      fleetOptions({
        startMs,
        initialReplicas: { prefill: 2, decode: 2 },
        coldStartS: { prefill: 5, decode: 5 },
      }),
      trace,
    );
    // Step (5 s each) -> a scaling write: decode up at 10 s, prefill down at 20 s, decode down at 30 s.
    const script = new Map<number, [Role, number]>([
      [2, ['decode', 3]],
      [4, ['prefill', 1]],
      [6, ['decode', 1]],
    ]);
    for (let step = 1; !fleet.allDone() && step <= 1000; step++) {
      fleet.runUntil(startMs + step * s(5));
      const write = script.get(step);
      if (write !== undefined) fleet.setDesired(...write);
    }
    return fleet;
  }

  it('the same trace and settings give identical request logs twice', () => {
    const trace = seededTrace(7, 400, 10);
    const a = scriptedRun(0, trace);
    const b = scriptedRun(0, trace);
    expect(a.allDone()).toBe(true);
    expect(Array.from(a.log.ttftMs)).toEqual(Array.from(b.log.ttftMs));
    expect(Array.from(a.log.tpotMs)).toEqual(Array.from(b.log.tpotMs));
  });

  it('a run starting at a 2026 epoch ends and gives the same latencies as one starting at 0', () => {
    // Regression: at 1.7e12 ms a double resolves 0.24 us, and absolute times lost decode steps.
    const trace = seededTrace(11, 400, 10);
    const epoch = Date.UTC(2026, 0, 5, 0, 0, 0);
    expect(epoch).toBeGreaterThan(1.7e12);
    const atEpoch = scriptedRun(epoch, trace);
    const atZero = scriptedRun(0, trace);
    expect(atEpoch.allDone()).toBe(true);
    expect(Array.from(atEpoch.log.ttftMs)).toEqual(Array.from(atZero.log.ttftMs));
    expect(Array.from(atEpoch.log.tpotMs)).toEqual(Array.from(atZero.log.tpotMs));
  });
});

describe("the router's view (what BlitzScale's planner reads)", () => {
  it('counts queued prompt tokens, KV on the prefill side until decode admits it, and KV in use on decode', () => {
    // One prefill replica, one decode replica. Three prompts of 10,000 tokens arrive together: one is
    // prefilled in the first batch (budget 8,192 lets one long prompt run alone), two wait.
    const trace = [0, 1, 2].map(() => ({ arrivalMs: 0, inputTokens: 10_000, outputTokens: 100 }));
    const fleet = new Fleet(fleetOptions({ initialReplicas: { prefill: 1, decode: 1 } }), trace);
    fleet.runUntil(0);
    expect(fleet.routerView()).toEqual({
      prefillQueuedTokens: 20_000,
      kvOnPrefillTokens: 0,
      kvOnDecodeTokens: 0,
      kvCapacityTokensPerReplica: maxKvTokens,
    });
    // When the first prompt's prefill ends its KV is on the wire (still the prefill side's).
    const prefillDoneMs = profileTtftMs(10_000);
    fleet.runUntil(prefillDoneMs + 0.001);
    expect(fleet.routerView().kvOnPrefillTokens).toBe(10_000);
    expect(fleet.routerView().prefillQueuedTokens).toBe(10_000);
    // Once it lands and decode admits it, its KV is decode's: the prompt plus what it generated.
    fleet.runUntil(prefillDoneMs + kvTransferMs(10_000) + 1);
    const view = fleet.routerView();
    expect(view.kvOnPrefillTokens).toBe(0);
    expect(view.kvOnDecodeTokens).toBeGreaterThanOrEqual(10_000);
    expect(view.kvOnDecodeTokens).toBeLessThan(10_100);
    runToEnd(fleet);
    expect(fleet.routerView()).toMatchObject({
      prefillQueuedTokens: 0,
      kvOnPrefillTokens: 0,
      kvOnDecodeTokens: 0,
    });
  });
});
