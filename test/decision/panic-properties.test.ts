// SPDX-License-Identifier: Apache-2.0
// Property tests of the KPA-style panic mode (docs/reference.md §D.4.2) over generated
// specs, loads and histories: off means off, panic only adds replicas, never lowers them while it
// lasts, and is on exactly while a burst over the threshold is within the last stable window.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import type {
  Decision,
  DecisionSpec,
  DecisionState,
  EpochMs,
  Observation,
  Role,
} from '../../src/decision/types.js';
import { Roles } from '../../src/decision/types.js';
import { makeObservation, makeSpec, seconds, t0 } from '../helpers/spec.js';

/** PROPERTY_RUNS=5000 npx vitest run ... explores further. */
const numRuns = Number(process.env.PROPERTY_RUNS ?? 200);

const roleArb = (scaleToZero: boolean) =>
  fc.integer({ min: scaleToZero ? 0 : 1, max: 16 }).chain((min) =>
    fc.record({
      minReplicas: fc.constant(min),
      maxReplicas: fc.integer({ min: Math.max(1, min), max: 64 }),
    }),
  );

const panicArb = fc.record({
  stableWindowS: fc.constantFrom(6, 30, 60, 120),
  percentage: fc.constantFrom(10, 50, 100),
  thresholdRatio: fc.constantFrom(1.1, 1.5, 2, 3, 10),
});

/** Specs without a ratio band or GPU budget: those may lower one role to make room for the other. */
const specArb = fc.boolean().chain((scaleToZero) =>
  fc.record({
    scaleToZero: fc.constant(scaleToZero),
    prefill: roleArb(scaleToZero),
    decode: roleArb(scaleToZero),
    scaleUp: fc.record({
      windowS: fc.constantFrom(0, 15, 30, 60),
      maxStepReplicas: fc.integer({ min: 1, max: 8 }),
      maxStepPercent: fc.constantFrom(0, 50, 100, 1000),
    }),
    scaleDown: fc.record({
      windowS: fc.constantFrom(0, 0, 60, 300),
      maxStepReplicas: fc.integer({ min: 1, max: 4 }),
      maxStepPercent: fc.constantFrom(0, 20, 100),
      margin: fc.constantFrom(0.5, 0.8, 1),
    }),
    forecast: fc.constantFrom('none' as const, 'holt' as const),
    panic: panicArb,
  }),
);
type SpecParams = typeof specArb extends fc.Arbitrary<infer T> ? T : never;

function buildSpec(p: SpecParams, enabled: boolean): DecisionSpec {
  return makeSpec({
    scaleToZero: p.scaleToZero,
    roles: { prefill: p.prefill, decode: p.decode },
    scaleUp: p.scaleUp,
    scaleDown: p.scaleDown,
    forecast: { method: p.forecast },
    panic: {
      enabled,
      stableWindowS: p.panic.stableWindowS,
      panicWindowS: (p.panic.stableWindowS * p.panic.percentage) / 100,
      thresholdRatio: p.panic.thresholdRatio,
    },
  });
}

/** Replicas' worth of load, often small so bursts against a few replicas are common. */
const loadValueArb = fc.oneof(
  fc.integer({ min: 0, max: 24_000 }).map((n) => n / 1000),
  fc.integer({ min: 0, max: 200_000 }).map((n) => n / 1000),
);

const tickArb = fc.record({
  dtS: fc.constantFrom(1, 2, 5, 15, 30, 60, 120),
  prefillLoad: loadValueArb,
  decodeLoad: loadValueArb,
  ttftMs: fc.integer({ min: 100, max: 1500 }),
  /** When set, the adapter reports our last number and `ready = that - lag`. */
  lag: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
});
type Tick = typeof tickArb extends fc.Arbitrary<infer T> ? T : never;

const historyArb = fc.array(tickArb, { minLength: 1, maxLength: 8 });

function observe(nowMs: EpochMs, tick: Tick, previous: DecisionState): Observation {
  const base = makeObservation(nowMs, {
    prefillLoad: tick.prefillLoad,
    decodeLoad: tick.decodeLoad,
    ttftMs: tick.ttftMs,
  });
  const lag = tick.lag;
  if (lag === undefined) return base;
  const withAdapter = (role: Role) => {
    const desired = previous.roles[role]?.desiredReplicas;
    if (desired === undefined) return base.roles[role];
    return {
      ...base.roles[role],
      desiredReplicas: { value: desired, atMs: nowMs },
      readyReplicas: { value: Math.max(0, desired - lag), atMs: nowMs },
    };
  };
  return { roles: { prefill: withAdapter('prefill'), decode: withAdapter('decode') } };
}

interface Step {
  readonly nowMs: EpochMs;
  readonly observation: Observation;
  /** The state the tick started from. */
  readonly before: DecisionState;
  readonly decision: Decision;
  readonly state: DecisionState;
}

function run(spec: DecisionSpec, ticks: readonly Tick[]): Step[] {
  let state: DecisionState = { roles: {} };
  let nowMs = t0;
  const steps: Step[] = [];
  for (const tick of ticks) {
    nowMs += seconds(tick.dtS);
    const observation = observe(nowMs, tick, state);
    const result = decide(spec, observation, state, nowMs);
    steps.push({ nowMs, observation, before: state, decision: result.decision, state: result.state });
    state = result.state;
  }
  return steps;
}

describe('panic mode properties', () => {
  it('when disabled, decides exactly as the default spec whatever its panic settings, and stores no panic', () => {
    fc.assert(
      fc.property(specArb, historyArb, (params, history) => {
        const disabled = run(buildSpec(params, false), history);
        const defaults = makeSpec({ ...buildSpec(params, false), panic: makeSpec().panic });
        expect(run(defaults, history)).toEqual(disabled);
        for (const step of disabled)
          for (const role of Roles) expect(step.state.roles[role]?.panic).toBeUndefined();
      }),
      { numRuns },
    );
  });

  it('never yields fewer replicas than panic disabled for the same observation and state history', () => {
    fc.assert(
      fc.property(specArb, historyArb, tickArb, fc.boolean(), (params, history, last, historyEnabled) => {
        const [on, off] = [buildSpec(params, true), buildSpec(params, false)];
        const steps = run(historyEnabled ? on : off, history);
        const end = steps[steps.length - 1];
        const state = end?.state ?? { roles: {} };
        const nowMs = (end?.nowMs ?? t0) + seconds(last.dtS);
        const observation = observe(nowMs, last, state);
        const withPanic = decide(on, observation, state, nowMs).decision;
        const without = decide(off, observation, state, nowMs).decision;
        for (const role of Roles)
          expect(withPanic.roles[role].desiredReplicas, role).toBeGreaterThanOrEqual(
            without.roles[role].desiredReplicas,
          );
      }),
      { numRuns },
    );
  });

  it('never lowers a role while it is panicking', () => {
    fc.assert(
      fc.property(specArb, historyArb, (params, history) => {
        for (const step of run(buildSpec(params, true), history)) {
          for (const role of Roles) {
            if (step.state.roles[role]?.panic === undefined) continue;
            const d = step.decision.roles[role];
            expect(d.desiredReplicas, `${role} at +${(step.nowMs - t0) / 1000} s`).toBeGreaterThanOrEqual(
              d.currentReplicas,
            );
            if (step.before.roles[role] !== undefined)
              expect(d.currentReplicas).toBe(step.before.roles[role].desiredReplicas);
          }
        }
      }),
      { numRuns },
    );
  });

  it('panics exactly while a tick within the last stable window met the threshold, so never when every tick stays below it', () => {
    fc.assert(
      fc.property(specArb, historyArb, (params, history) => {
        const spec = buildSpec(params, true);
        const steps = run(spec, history);
        for (const role of Roles) {
          let episodeStartMs: EpochMs | undefined;
          let lastMetMs: EpochMs | undefined;
          steps.forEach((step, i) => {
            const d = step.decision.roles[role];
            // The panic-window need: the largest demand-based count of the ticks in [now - panic window, now].
            const inWindow = steps
              .slice(0, i + 1)
              .filter((s) => s.nowMs >= step.nowMs - seconds(spec.panic.panicWindowS))
              .map((s) => s.decision.roles[role].rawReplicas ?? 0);
            const ready = Math.max(1, d.inputs.readyReplicas ?? d.currentReplicas);
            const met = Math.max(...inWindow) >= spec.panic.thresholdRatio * ready;
            const stillOn =
              lastMetMs !== undefined && step.nowMs - lastMetMs <= seconds(spec.panic.stableWindowS);
            if (met) {
              episodeStartMs = stillOn ? episodeStartMs : step.nowMs;
              lastMetMs = step.nowMs;
            } else if (!stillOn) episodeStartMs = lastMetMs = undefined;
            const expected =
              episodeStartMs === undefined || lastMetMs === undefined
                ? undefined
                : { sinceMs: episodeStartMs, lastTriggeredMs: lastMetMs };
            expect(step.state.roles[role]?.panic, `${role} at +${(step.nowMs - t0) / 1000} s`).toEqual(
              expected,
            );
          });
        }
      }),
      { numRuns },
    );
  });
});
