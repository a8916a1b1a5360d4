// SPDX-License-Identifier: Apache-2.0
// KPA-style panic mode (docs/reference.md §D.4.2): entering, staying and leaving panic,
// what the hysteresis does while panicking, and that panic state survives the state file.
import { describe, expect, it } from 'vitest';
import { parseState, stateToJson } from '../../src/cli/state-json.js';
import { decide } from '../../src/decision/decide.js';
import { explain } from '../../src/decision/explain.js';
import { assessPanic, type PanicState } from '../../src/decision/panic.js';
import type { DecisionSpec, DecisionState, RecommendationSample } from '../../src/decision/types.js';
import { makeObservation, makeSpec, observedAt, seconds, t0, type LoadShape } from '../helpers/spec.js';

const kpa = { enabled: true, stableWindowS: 60, panicWindowS: 6, thresholdRatio: 2 };

const sample = (atS: number, up: number): RecommendationSample => ({ atMs: t0 + seconds(atS), up, down: up });
const panicAt = (sinceS: number, lastS: number): PanicState => ({
  sinceMs: t0 + seconds(sinceS),
  lastTriggeredMs: t0 + seconds(lastS),
});

describe('assessPanic', () => {
  const cases: {
    name: string;
    samples: RecommendationSample[];
    ready: number;
    previous?: PanicState;
    triggered: boolean;
    state: PanicState | undefined;
  }[] = [
    {
      name: 'enters when the panic-window need reaches the threshold times the ready replicas',
      samples: [sample(0, 4)],
      ready: 2,
      triggered: true,
      state: panicAt(0, 0),
    },
    {
      name: 'does not enter just below the threshold',
      samples: [sample(0, 3)],
      ready: 2,
      triggered: false,
      state: undefined,
    },
    {
      name: 'counts at least one ready replica, as KPA does',
      samples: [sample(0, 2)],
      ready: 0,
      triggered: true,
      state: panicAt(0, 0),
    },
    {
      name: 'takes the largest need over the panic window',
      samples: [sample(-6, 8), sample(0, 1)],
      ready: 4,
      triggered: true,
      state: panicAt(0, 0),
    },
    {
      name: 'ignores needs older than the panic window',
      samples: [sample(-7, 8), sample(0, 1)],
      ready: 4,
      triggered: false,
      state: undefined,
    },
    {
      name: 'stays while the last burst is no more than a stable window ago',
      samples: [sample(0, 1)],
      ready: 4,
      previous: panicAt(-90, -60),
      triggered: false,
      state: panicAt(-90, -60),
    },
    {
      name: 'leaves once a whole stable window has passed without a burst',
      samples: [sample(0, 1)],
      ready: 4,
      previous: panicAt(-90, -60.001),
      triggered: false,
      state: undefined,
    },
    {
      name: 'a new burst refreshes the last trigger and keeps the start',
      samples: [sample(0, 9)],
      ready: 4,
      previous: panicAt(-30, -10),
      triggered: true,
      state: panicAt(-30, 0),
    },
    {
      name: 'a burst after panic has ended starts a new panic',
      samples: [sample(0, 9)],
      ready: 4,
      previous: panicAt(-200, -120),
      triggered: true,
      state: panicAt(0, 0),
    },
  ];
  it.each(cases)('$name', (c) => {
    const a = assessPanic({
      spec: kpa,
      nowMs: t0,
      samples: c.samples,
      readyReplicas: c.ready,
      previous: c.previous,
    });
    expect(a.triggered).toBe(c.triggered);
    expect(a.state).toEqual(c.state);
  });

  it('the stable need is the mean need over the stable window, rounded up', () => {
    const samples = [sample(-61, 100), sample(-60, 3), sample(-30, 4), sample(0, 4)];
    const a = assessPanic({ spec: kpa, nowMs: t0, samples, readyReplicas: 4, previous: undefined });
    expect(a.stableNeed).toBe(4); // (3 + 4 + 4) / 3 = 3.67
    expect(a.panicNeed).toBe(4);
  });
});

/** A role state with `desired` replicas and nothing else remembered. */
const steady = (desired: number) => ({
  desiredReplicas: desired,
  lastScaleUpAtMs: undefined,
  lastScaleDownAtMs: undefined,
  samples: [],
  forecast: undefined,
  correction: { factor: 1, atMs: t0 },
});

/** Steps one policy through time; each step returns the prefill decision. */
function stepper(spec: DecisionSpec) {
  let state: DecisionState = { roles: {} };
  return (atS: number, load: LoadShape) => {
    const result = decide(spec, makeObservation(t0 + seconds(atS), load), state, t0 + seconds(atS));
    state = result.state;
    return { ...result.decision.roles.prefill, state: result.state, text: explain(result.decision) };
  };
}

const windows = { scaleUp: { windowS: 60 }, scaleDown: { windowS: 0 } };
const panicking = makeSpec({ ...windows, panic: kpa });
const calm = makeSpec({ ...windows, panic: { ...kpa, enabled: false } });

describe('panic mode in decide', () => {
  it('scales up to the panic need at once, where the up window alone would hold', () => {
    const [on, off] = [stepper(panicking), stepper(calm)];
    on(0, { prefillLoad: 1 });
    off(0, { prefillLoad: 1 });
    const burst = on(15, { prefillLoad: 5 });
    expect(burst.desiredReplicas).toBe(5);
    expect(burst.boundBy).toBe('panic');
    expect(burst.state.roles.prefill?.panic).toEqual(panicAt(15, 15));
    expect(off(15, { prefillLoad: 5 }).boundBy).toBe('scale-up-window');
  });

  it('does not scale down while panicking, and scales down once a stable window passes without a burst', () => {
    const on = stepper(panicking);
    on(0, { prefillLoad: 1 });
    on(15, { prefillLoad: 5 }); // 5 >= 2 x 1 ready: panic
    const table: [atS: number, desired: number, rule: string][] = [
      [30, 5, 'panic'], // 1 needed, but panicking
      [75, 5, 'panic'], // 60 s after the burst: still panicking (KPA: until panicTime + window is before now)
      [76, 2, 'demand'], // ceil(1 / 0.8) = 2 with the down window 0
    ];
    for (const [atS, desired, rule] of table) {
      const d = on(atS, { prefillLoad: 1 });
      expect([atS, d.desiredReplicas, d.boundBy]).toEqual([atS, desired, rule]);
    }
  });

  it('keeps panicking while bursts continue against the ready replicas, not the desired ones', () => {
    const on = stepper(panicking);
    on(0, { prefillLoad: 1, ready: { prefill: 1 } });
    on(15, { prefillLoad: 5, ready: { prefill: 1 } });
    // 5 asked for, 2 ready: 5 >= 2 x 2 triggers again, so the 60 s count restarts.
    on(50, { prefillLoad: 5, ready: { prefill: 2 } });
    const d = on(100, { prefillLoad: 1, ready: { prefill: 5 } });
    expect(d.boundBy).toBe('panic');
    expect(d.state.roles.prefill?.panic).toEqual(panicAt(15, 50));
    expect(on(111, { prefillLoad: 1, ready: { prefill: 5 } }).desiredReplicas).toBe(2);
  });

  it('does not wait for pending replicas while panicking, but keeps the step limit', () => {
    const scaleUp = { windowS: 0, maxStepReplicas: 4, maxStepPercent: 0 };
    const [on, off] = [makeSpec({ scaleUp, panic: kpa }), makeSpec({ scaleUp })];
    const state: DecisionState = {
      roles: { prefill: steady(6) },
    };
    const nowMs = t0 + seconds(30);
    const base = makeObservation(nowMs, { prefillLoad: 20, ready: { prefill: 2 } });
    // 4 of the 6 asked for are still starting.
    const observation = {
      roles: {
        ...base.roles,
        prefill: { ...base.roles.prefill, pendingReplicas: { value: 4, atMs: nowMs } },
      },
    };
    const held = decide(off, observation, state, nowMs).decision.roles.prefill;
    expect([held.desiredReplicas, held.boundBy]).toEqual([6, 'pending-replicas']);
    // KPA's panic count is the whole need, not an increment, so pending pods do not hold it.
    const moved = decide(on, observation, state, nowMs).decision.roles.prefill;
    expect([moved.desiredReplicas, moved.boundBy]).toEqual([10, 'max-step']);
  });

  it('explains panic mode with its numbers', () => {
    const on = stepper(panicking);
    on(0, { prefillLoad: 1 });
    const { text, reason } = on(15, { prefillLoad: 5 });
    expect(reason).toContain('prefill 1 -> 5: panic mode');
    expect(text).toContain(
      'panic mode: 5 replicas needed over the 6 s panic window >= 2 x 1 ready; stable need 3 over 60 s; panicking for 0 s, ends in 60 s without another burst',
    );
  });

  it('keeps panic through a hold on stale metrics, so scale-down stays blocked when data returns', () => {
    const on = makeSpec({ ...windows, stalenessS: 30, panic: kpa });
    let state = decide(on, makeObservation(t0, { prefillLoad: 1 }), { roles: {} }, t0).state;
    state = decide(on, makeObservation(t0 + seconds(15), { prefillLoad: 5 }), state, t0 + seconds(15)).state;
    const stale = observedAt(makeObservation(t0, { prefillLoad: 1 }), t0);
    const held = decide(on, stale, state, t0 + seconds(50));
    expect(held.decision.roles.prefill.boundBy).toBe('stale-metrics');
    expect(held.state.roles.prefill?.panic).toEqual(panicAt(15, 15));
    const back = decide(
      on,
      makeObservation(t0 + seconds(60), { prefillLoad: 1 }),
      held.state,
      t0 + seconds(60),
    );
    expect(back.decision.roles.prefill.desiredReplicas).toBe(5);
    expect(back.decision.roles.prefill.boundBy).toBe('panic');
  });

  it('with panic disabled writes no panic state and ignores one left from an enabled policy', () => {
    const on = stepper(panicking);
    on(0, { prefillLoad: 1 });
    const { state } = on(15, { prefillLoad: 5 });
    const next = decide(calm, makeObservation(t0 + seconds(30), { prefillLoad: 1 }), state, t0 + seconds(30));
    expect(next.decision.roles.prefill.desiredReplicas).toBe(2);
    expect(next.state.roles.prefill?.panic).toBeUndefined();
  });
});

describe('panic state in the state file', () => {
  it('round-trips through stateToJson and parseState', () => {
    const on = stepper(panicking);
    on(0, { prefillLoad: 1 });
    const { state } = on(15, { prefillLoad: 5 });
    const parsed = parseState(JSON.parse(stateToJson(state)));
    expect(parsed).toEqual({ ok: true, state });
  });

  it('parses a state written before panic mode, and rejects a malformed panic', () => {
    const role = { desiredReplicas: 2, samples: [], correction: { factor: 1, atMs: t0 } };
    const old = parseState({ roles: { prefill: role } });
    expect(old.ok && old.state.roles.prefill?.panic).toBeUndefined();
    expect(old.ok).toBe(true);
    const bad = parseState({ roles: { prefill: { ...role, panic: { sinceMs: t0 } } } });
    expect(bad).toEqual({
      ok: false,
      issues: [expect.stringContaining('roles.prefill.panic.lastTriggeredMs')],
    });
  });
});
