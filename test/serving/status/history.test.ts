// SPDX-License-Identifier: Apache-2.0
// The status page's history: bounded per policy by points and by age, figures copied from real
// decisions (GPUs, ratio, unknowns), and the log of decisions that changed a number.
import { describe, expect, it } from 'vitest';
import type { Role, RoleDecision } from '../../../src/decision/types.js';
import { DecisionBoard, type PublishedPolicy } from '../../../src/loop/board.js';
import { DecisionHistory } from '../../../src/serving/status/history.js';
import { makeSpec, seconds, t0 } from '../../helpers/spec.js';
import { boundedSpec, PolicyTicker } from './published.js';

/** `count` ticks 15 s apart under a constant load. */
function ticks(
  ticker: PolicyTicker,
  count: number,
  load = { prefillLoad: 2, decodeLoad: 3 },
): PublishedPolicy[] {
  return Array.from({ length: count }, (_, i) => ticker.tick(t0 + seconds(15 * i), load));
}

function withRole(entry: PublishedPolicy, role: Role, patch: Partial<RoleDecision>): PublishedPolicy {
  const decision = entry.decision!;
  const roles = { ...decision.roles, [role]: { ...decision.roles[role], ...patch } };
  return { ...entry, decision: { ...decision, roles } };
}

describe('DecisionHistory', () => {
  it('keeps at most maxPoints samples per policy, dropping the oldest first', () => {
    const history = new DecisionHistory({ maxPoints: 5 });
    for (const entry of ticks(new PolicyTicker(boundedSpec()), 12)) history.record(entry);
    const samples = history.samples('default', 'chat');
    expect(samples.map((s) => s.atMs)).toEqual([7, 8, 9, 10, 11].map((i) => t0 + seconds(15 * i)));
  });

  it('drops samples older than maxAgeMs, counted back from the newest decision', () => {
    const history = new DecisionHistory({ maxAgeMs: seconds(60) });
    for (const entry of ticks(new PolicyTicker(boundedSpec()), 10)) history.record(entry);
    const samples = history.samples('default', 'chat');
    expect(samples.map((s) => (s.atMs - t0) / 1000)).toEqual([75, 90, 105, 120, 135]);
  });

  it('keeps a separate history per policy', () => {
    const history = new DecisionHistory({ maxPoints: 3 });
    const chat = new PolicyTicker(boundedSpec('chat'));
    const code = new PolicyTicker(boundedSpec('code', 'team-b'));
    for (const entry of ticks(chat, 4)) history.record(entry);
    history.record(code.tick(t0, { prefillLoad: 1, decodeLoad: 1 }));
    expect(history.samples('default', 'chat')).toHaveLength(3);
    expect(history.samples('team-b', 'code')).toHaveLength(1);
    expect(history.samples('team-b', 'chat')).toEqual([]);
  });

  it.each([
    { basis: 'replicas' as const, ratio: 3 / 4 },
    { basis: 'gpus' as const, ratio: (3 * 2) / (4 * 1) },
  ])(
    'copies demand, replicas and latency and computes GPUs and the P/D ratio on $basis',
    ({ basis, ratio }) => {
      const spec = makeSpec({
        ratio: { min: 0.25, max: 4, basis },
        roles: { prefill: { gpusPerReplica: 2 }, decode: { gpusPerReplica: 1 } },
      });
      const entry = new PolicyTicker(spec).tick(t0, {
        prefillLoad: 2.5,
        decodeLoad: 4,
        ttftMs: 300,
        tpotMs: 40,
      });
      const history = new DecisionHistory();
      history.record({ ...entry, currentReplicas: { prefill: 2, decode: 5 } });
      const [sample] = history.samples('default', 'test');
      expect(sample).toEqual({
        atMs: t0,
        roles: {
          prefill: {
            measuredDemand: 25_000,
            forecastDemand: undefined,
            desired: 3,
            current: 2,
            ready: undefined,
            observedLatencyMs: 300,
            sloMs: 500,
            boundBy: 'demand',
          },
          decode: {
            measuredDemand: 400,
            forecastDemand: undefined,
            desired: 4,
            current: 5,
            ready: undefined,
            observedLatencyMs: 40,
            sloMs: 50,
            boundBy: 'demand',
          },
        },
        gpusDesired: 3 * 2 + 4 * 1,
        gpusInUse: 2 * 2 + 5 * 1,
        ratio,
      });
    },
  );

  it("takes the decision's current replicas when the board does not know the adapters'", () => {
    const entry = new PolicyTicker(boundedSpec()).tick(t0, { prefillLoad: 2, decodeLoad: 3 });
    const { currentReplicas: _, ...withoutCurrent } = entry;
    const history = new DecisionHistory();
    history.record(withoutCurrent);
    const [sample] = history.samples('default', 'chat');
    expect(sample?.roles.prefill.current).toBe(entry.decision!.roles.prefill.currentReplicas);
    expect(sample?.gpusInUse).toBe(
      entry.decision!.roles.prefill.currentReplicas * 2 + entry.decision!.roles.decode.currentReplicas,
    );
  });

  it('leaves the ratio unknown when decode wants no replicas, and unknown latency unknown (not 0)', () => {
    const entry = new PolicyTicker(boundedSpec()).tick(t0, { prefillLoad: 2, decodeLoad: 3 });
    const history = new DecisionHistory();
    history.record(
      withRole(entry, 'decode', {
        desiredReplicas: 0,
        inputs: { ...entry.decision!.roles.decode.inputs, observedLatencyMs: undefined },
      }),
    );
    const [sample] = history.samples('default', 'chat');
    expect(sample?.ratio).toBeUndefined();
    expect(sample?.roles.decode.observedLatencyMs).toBeUndefined();
  });

  it('logs only the decisions that changed a desired number, newest first, at most maxChanges', () => {
    const history = new DecisionHistory({ maxChanges: 3 });
    const ticker = new PolicyTicker(makeSpec({ name: 'chat', roles: { prefill: { gpusPerReplica: 2 } } }));
    const loads = [2, 2, 3, 3, 3, 4, 5, 5, 6];
    loads.forEach((load, i) => {
      history.record(ticker.tick(t0 + seconds(15 * i), { prefillLoad: load, decodeLoad: load }));
    });
    const changes = history.changes('default', 'chat');
    expect(changes.map((c) => (c.atMs - t0) / 15_000)).toEqual([8, 6, 5]);
    const newest = changes[0]!;
    expect(newest.roles.prefill).toMatchObject({ from: 5, to: 6, boundBy: 'demand', limits: ['demand'] });
    expect(newest.roles.prefill.reason).toMatch(/^prefill 5 -> 6: sized to demand\./);
    expect(newest.gpus).toBe(6 * 2 + 6);
  });

  it('logs the first decision when it moves away from the replicas the roles had', () => {
    const history = new DecisionHistory();
    const ticker = new PolicyTicker(boundedSpec());
    history.record(ticker.tick(t0, { prefillLoad: 1, decodeLoad: 1 }));
    expect(history.changes('default', 'chat')).toEqual([]);
    const other = new DecisionHistory();
    const entry = new PolicyTicker(boundedSpec()).tick(t0, { prefillLoad: 3, decodeLoad: 1 });
    other.record(entry);
    expect(other.changes('default', 'chat')[0]?.roles.prefill).toMatchObject({ from: 1, to: 3 });
  });

  it('replaces the newest sample when the same decision is published again', () => {
    const history = new DecisionHistory();
    const entry = new PolicyTicker(boundedSpec()).tick(t0, { prefillLoad: 2, decodeLoad: 3 });
    history.record(entry);
    const before = history.version('default', 'chat');
    history.record({ ...entry, currentReplicas: { prefill: 2, decode: 3 }, publishedAtMs: t0 + 5 });
    const samples = history.samples('default', 'chat');
    expect(samples).toHaveLength(1);
    expect(samples[0]?.roles.decode.current).toBe(3);
    expect(history.version('default', 'chat')).toBe(before + 1);
  });

  it('records nothing for a policy published before its first decision', () => {
    const history = new DecisionHistory();
    const { decision: _, ...spec } = new PolicyTicker(boundedSpec()).tick(t0, { prefillLoad: 1 });
    history.record(spec);
    expect(history.samples('default', 'chat')).toEqual([]);
    expect(history.version('default', 'chat')).toBe(0);
  });

  it('follows a board: what is already published, then every publish until unsubscribed', () => {
    const board = new DecisionBoard();
    const ticker = new PolicyTicker(boundedSpec());
    const [first, second, third] = ticks(ticker, 3);
    board.publish(first!);
    const history = new DecisionHistory();
    const unfollow = history.follow(board);
    board.publish(second!);
    unfollow();
    board.publish(third!);
    expect(history.samples('default', 'chat').map((s) => s.atMs)).toEqual([
      first!.publishedAtMs,
      second!.publishedAtMs,
    ]);
  });
});
