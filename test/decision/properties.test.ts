// SPDX-License-Identifier: Apache-2.0
// Property tests of the pure decider: bounds, joint limits, monotonicity, stabilization, fixed points,
// stale data and determinism, over generated specs, loads and histories. Time is a number, never a clock.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import { searchFeasible, type JointConstraints } from '../../src/decision/joint-limits.js';
import type {
  Decision,
  DecisionSpec,
  DecisionState,
  EpochMs,
  Observation,
  Observed,
  Role,
  RoleObservation,
  RoleState,
} from '../../src/decision/types.js';
import { Roles } from '../../src/decision/types.js';
import { makeObservation, makeSpec, observedAt, seconds, t0 } from '../helpers/spec.js';

/** PROPERTY_RUNS=5000 npx vitest run ... explores further; 200 keeps the file well under 20 s. */
const numRuns = Number(process.env.PROPERTY_RUNS ?? 200);

// ---------------------------------------------------------------------------------------------
// Generated specs: plain data (so counterexamples print readably), built into a DecisionSpec.

interface RoleParams {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly gpusPerReplica: number;
}

interface SpecParams {
  readonly scaleToZero: boolean;
  readonly prefill: RoleParams;
  readonly decode: RoleParams;
  readonly scaleUp: {
    readonly windowS: number;
    readonly maxStepReplicas: number;
    readonly maxStepPercent: number;
  };
  readonly scaleDown: {
    readonly windowS: number;
    readonly maxStepReplicas: number;
    readonly maxStepPercent: number;
    readonly margin: number;
  };
  readonly forecast: 'none' | 'ewma' | 'holt';
  readonly ratio: DecisionSpec['ratio'];
  readonly gpuBudget: DecisionSpec['gpuBudget'];
}

type RatioMode = 'none' | 'feasible' | 'any';
type BudgetMode = 'none' | 'feasible';

const roleParamsArb = (scaleToZero: boolean): fc.Arbitrary<RoleParams> =>
  fc.integer({ min: scaleToZero ? 0 : 1, max: 64 }).chain((min) =>
    fc.record({
      minReplicas: fc.constant(min),
      maxReplicas: fc.integer({ min: Math.max(1, min), max: 64 }),
      gpusPerReplica: fc.integer({ min: 1, max: 8 }),
    }),
  );

const baseParamsArb = fc.boolean().chain((scaleToZero) =>
  fc.record({
    scaleToZero: fc.constant(scaleToZero),
    prefill: roleParamsArb(scaleToZero),
    decode: roleParamsArb(scaleToZero),
    scaleUp: fc.record({
      windowS: fc.constantFrom(0, 0, 15, 30, 60, 120),
      maxStepReplicas: fc.integer({ min: 1, max: 8 }),
      maxStepPercent: fc.constantFrom(0, 20, 50, 100, 1000),
    }),
    scaleDown: fc.record({
      windowS: fc.constantFrom(0, 0, 60, 120, 300),
      maxStepReplicas: fc.integer({ min: 1, max: 4 }),
      maxStepPercent: fc.constantFrom(0, 10, 20, 50, 100),
      margin: fc.constantFrom(0.5, 0.7, 0.8, 0.9, 1),
    }),
    forecast: fc.constantFrom('none' as const, 'ewma' as const, 'holt' as const),
  }),
);

/** A pair inside both roles' bounds (never 0/0): the anchor a feasible band and budget are built around. */
function anchorPair(base: Omit<SpecParams, 'ratio' | 'gpuBudget'>, pick: readonly [number, number]) {
  const at = (r: RoleParams, n: number): number => {
    const lo = Math.max(1, r.minReplicas);
    return lo + (n % (r.maxReplicas - lo + 1));
  };
  return { prefill: at(base.prefill, pick[0]), decode: at(base.decode, pick[1]) };
}

const specParamsArb = (ratioModes: readonly RatioMode[], budgetModes: readonly BudgetMode[]) =>
  baseParamsArb.chain((base) =>
    fc
      .record({
        pick: fc.tuple(fc.nat(), fc.nat()),
        ratioMode: fc.constantFrom(...ratioModes),
        basis: fc.constantFrom('replicas' as const, 'gpus' as const),
        below: fractionArb(0.8).map((x) => 0.2 + x),
        above: fractionArb(3).map((x) => 1 + x),
        anyMin: fractionArb(3.95).map((x) => 0.05 + x),
        budgetMode: fc.constantFrom(...budgetModes),
        budgetMin: fc.option(fc.integer({ min: 0, max: 64 }), { nil: undefined }),
        budgetMax: fc.option(fc.integer({ min: 0, max: 64 }), { nil: undefined }),
      })
      .map((j): SpecParams => {
        const anchor = anchorPair(base, j.pick);
        const units = (role: Role): number => (j.basis === 'gpus' ? base[role].gpusPerReplica : 1);
        const r = (anchor.prefill * units('prefill')) / (anchor.decode * units('decode'));
        const ratio: DecisionSpec['ratio'] =
          j.ratioMode === 'none'
            ? undefined
            : j.ratioMode === 'feasible'
              ? { min: r * j.below, max: r * j.above, basis: j.basis }
              : { min: j.anyMin, max: j.anyMin * j.above, basis: j.basis };
        const gpus0 =
          anchor.prefill * base.prefill.gpusPerReplica + anchor.decode * base.decode.gpusPerReplica;
        const gpuBudget: DecisionSpec['gpuBudget'] =
          j.budgetMode === 'none'
            ? { min: undefined, max: undefined }
            : {
                min: j.budgetMin === undefined ? undefined : Math.max(0, gpus0 - j.budgetMin),
                max: j.budgetMax === undefined ? undefined : gpus0 + j.budgetMax,
              };
        return { ...base, ratio, gpuBudget };
      }),
  );

function buildSpec(p: SpecParams): DecisionSpec {
  return makeSpec({
    scaleToZero: p.scaleToZero,
    roles: { prefill: p.prefill, decode: p.decode },
    scaleUp: p.scaleUp,
    scaleDown: p.scaleDown,
    forecast: { method: p.forecast },
    ratio: p.ratio,
    gpuBudget: p.gpuBudget,
  });
}

// ---------------------------------------------------------------------------------------------
// Generated loads and histories.

interface Load {
  /** Replicas' worth of demand at full capacity (testCapacity). */
  readonly prefillLoad: number;
  readonly decodeLoad: number;
  readonly ttftMs?: number;
  readonly tpotMs?: number;
  readonly waiting?: number;
  /** When set, the observation carries the adapter's spec.replicas (our last number) and ready = that - lag. */
  readonly lag?: number;
}

/** Uniform in [0, max] to 1/1000 (fc.double alone crowds near 0 and the extremes), sometimes any double. */
const fractionArb = (max: number): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: max * 1000 }).map((n) => n / 1000) },
    { weight: 1, arbitrary: fc.double({ min: 0, max, noNaN: true, noDefaultInfinity: true }) },
  );

/** 0..200 replicas' worth, often small enough that the role bounds do not decide alone. */
const loadValueArb = fc.oneof(fractionArb(200), fractionArb(24));

const loadArb: fc.Arbitrary<Load> = fc.record(
  {
    prefillLoad: loadValueArb,
    decodeLoad: loadValueArb,
    ttftMs: fc.integer({ min: 100, max: 1500 }),
    tpotMs: fc.integer({ min: 10, max: 150 }),
    waiting: fc.integer({ min: 0, max: 50 }),
    lag: fc.integer({ min: 0, max: 3 }),
  },
  { requiredKeys: ['prefillLoad', 'decodeLoad'] },
);

interface Tick {
  readonly dtS: number;
  readonly load: Load;
}

const tickArb: fc.Arbitrary<Tick> = fc.record({
  dtS: fc.constantFrom(1, 15, 15, 15, 30, 60, 120, 400),
  load: loadArb,
});

const historyArb = fc.array(tickArb, { minLength: 0, maxLength: 6 });

const at = <T>(value: T, atMs: EpochMs): Observed<T> => ({ value, atMs });

/** A fresh observation of `load` at `nowMs`, given what we published last (for the adapter fields). */
function observe(nowMs: EpochMs, load: Load, previous: DecisionState): Observation {
  const base = makeObservation(nowMs, {
    prefillLoad: load.prefillLoad,
    decodeLoad: load.decodeLoad,
    ...(load.ttftMs === undefined ? {} : { ttftMs: load.ttftMs }),
    ...(load.tpotMs === undefined ? {} : { tpotMs: load.tpotMs }),
    ...(load.waiting === undefined ? {} : { waiting: load.waiting }),
  });
  const lag = load.lag;
  if (lag === undefined) return base;
  const withAdapter = (role: Role): RoleObservation => {
    const desired = previous.roles[role]?.desiredReplicas;
    if (desired === undefined) return base.roles[role];
    return {
      ...base.roles[role],
      desiredReplicas: at(desired, nowMs),
      readyReplicas: at(Math.max(0, desired - lag), nowMs),
    };
  };
  return { roles: { prefill: withAdapter('prefill'), decode: withAdapter('decode') } };
}

interface Run {
  readonly state: DecisionState;
  readonly nowMs: EpochMs;
  readonly decisions: readonly Decision[];
}

/** Runs decide over the ticks from an empty (or given) state, starting at `t0`. */
function runTicks(spec: DecisionSpec, ticks: readonly Tick[], start: Run = emptyRun()): Run {
  let { state, nowMs } = start;
  const decisions: Decision[] = [...start.decisions];
  for (const tick of ticks) {
    nowMs += seconds(tick.dtS);
    const result = decide(spec, observe(nowMs, tick.load, state), state, nowMs);
    state = result.state;
    decisions.push(result.decision);
  }
  return { state, nowMs, decisions };
}

function emptyRun(): Run {
  return { state: { roles: {} }, nowMs: t0, decisions: [] };
}

// ---------------------------------------------------------------------------------------------
// Independent checks of the joint limits.

function specConstraints(spec: DecisionSpec): JointConstraints {
  return {
    bounds: {
      prefill: { lo: spec.roles.prefill.minReplicas, hi: spec.roles.prefill.maxReplicas },
      decode: { lo: spec.roles.decode.minReplicas, hi: spec.roles.decode.maxReplicas },
    },
    ratio: spec.ratio,
    gpuBudget: spec.gpuBudget,
    gpus: { prefill: spec.roles.prefill.gpusPerReplica, decode: spec.roles.decode.gpusPerReplica },
  };
}

function jointFeasible(spec: DecisionSpec): boolean {
  const c = specConstraints(spec);
  return searchFeasible(c, { prefill: c.bounds.prefill.lo, decode: c.bounds.decode.lo }) !== undefined;
}

function gpusOfDecision(spec: DecisionSpec, d: Decision): number {
  return Roles.reduce((sum, r) => sum + d.roles[r].desiredReplicas * spec.roles[r].gpusPerReplica, 0);
}

function bandHolds(spec: DecisionSpec, d: Decision): boolean {
  const ratio = spec.ratio;
  if (ratio === undefined) return true;
  const unit = (r: Role): number => (ratio.basis === 'gpus' ? spec.roles[r].gpusPerReplica : 1);
  const p = d.roles.prefill.desiredReplicas * unit('prefill');
  const q = d.roles.decode.desiredReplicas * unit('decode');
  if (p === 0 && q === 0) return true;
  return p >= ratio.min * q - 1e-9 && p <= ratio.max * q + 1e-9;
}

function budgetHolds(spec: DecisionSpec, d: Decision): boolean {
  const total = gpusOfDecision(spec, d);
  const { min, max } = spec.gpuBudget;
  return (max === undefined || total <= max) && (min === undefined || total >= min);
}

// ---------------------------------------------------------------------------------------------

/** Freezes a value and everything reachable from it, so any write by the code under test throws. */
function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
  const object = value as object;
  if (seen.has(object)) return value;
  seen.add(object);
  for (const key of Reflect.ownKeys(object)) {
    deepFreeze((object as Record<PropertyKey, unknown>)[key], seen);
  }
  Object.freeze(object);
  return value;
}

const desired = (d: Decision, role: Role): number => d.roles[role].desiredReplicas;

describe('decide properties', () => {
  /** Every tick's output is within the role bounds, and within band and budget when a pair can be. */
  const boundsProperty = (ratioModes: readonly RatioMode[]) =>
    fc.property(
      specParamsArb(ratioModes, ['none', 'feasible']),
      historyArb,
      tickArb,
      (params, history, last) => {
        const spec = buildSpec(params);
        const run = runTicks(spec, [...history, last]);
        const feasible = jointFeasible(spec);
        for (const decision of run.decisions) {
          for (const role of Roles) {
            const n = desired(decision, role);
            expect(Number.isInteger(n)).toBe(true);
            expect(n, `${role} at +${(decision.atMs - t0) / 1000} s`).toBeGreaterThanOrEqual(
              spec.roles[role].minReplicas,
            );
            expect(n, `${role} at +${(decision.atMs - t0) / 1000} s`).toBeLessThanOrEqual(
              spec.roles[role].maxReplicas,
            );
          }
          expect(decision.gpus).toBe(gpusOfDecision(spec, decision));
          if (feasible) {
            expect(bandHolds(spec, decision), 'ratio band').toBe(true);
            expect(budgetHolds(spec, decision), 'GPU budget').toBe(true);
          }
        }
      },
    );

  describe('keeps every desired count within the role bounds', () => {
    it('and inside the ratio band and GPU budget, for specs the compiler accepts (band and budget built around a feasible pair)', () => {
      fc.assert(boundsProperty(['none', 'feasible']), { numRuns });
    });

    // A band no pair satisfies is rejected by the compiler, but decide must still keep the role bounds:
    // when applyJointLimits finds no feasible pair it returns the ratio-raised pair, which raiseForRatio
    // may have pushed outside them (e.g. prefill 4..5, decode 4..47, band 0.05..0.05 gives 2 / 47).
    it('even when the ratio band is arbitrary (sometimes infeasible), and inside band and budget whenever a feasible pair exists', () => {
      fc.assert(boundsProperty(['none', 'feasible', 'feasible', 'any']), { numRuns });
    });
  });

  describe('is monotone in demand', () => {
    const monotone = (ratioModes: readonly RatioMode[]) =>
      fc.property(
        specParamsArb(ratioModes, ['none']),
        historyArb,
        fc.record({
          dtS: fc.constantFrom(1, 15, 30, 60, 400),
          low: fc.tuple(loadValueArb, loadValueArb),
          extra: fc.tuple(
            fc.oneof(fractionArb(50), fractionArb(2)),
            fc.oneof(fractionArb(50), fractionArb(2)),
          ),
          waiting: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
          lag: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        }),
        fc.boolean(),
        (params, history, last, unwindowed) => {
          // Without windows the stabilizer cannot hide the demand, so the comparison bites more often.
          const spec = buildSpec(
            unwindowed
              ? {
                  ...params,
                  scaleUp: { ...params.scaleUp, windowS: 0 },
                  scaleDown: { ...params.scaleDown, windowS: 0 },
                }
              : params,
          );
          const { state, nowMs: before } = runTicks(spec, history);
          const nowMs = before + seconds(last.dtS);
          const shared = {
            ...(last.waiting === undefined ? {} : { waiting: last.waiting }),
            ...(last.lag === undefined ? {} : { lag: last.lag }),
          };
          const lowLoad: Load = { prefillLoad: last.low[0], decodeLoad: last.low[1], ...shared };
          const highLoad: Load = {
            prefillLoad: last.low[0] + last.extra[0],
            decodeLoad: last.low[1] + last.extra[1],
            ...shared,
          };
          const low = decide(spec, observe(nowMs, lowLoad, state), state, nowMs).decision;
          const high = decide(spec, observe(nowMs, highLoad, state), state, nowMs).decision;
          for (const role of Roles) {
            expect(desired(high, role), role).toBeGreaterThanOrEqual(desired(low, role));
          }
        },
      );

    it('never gives fewer replicas of either role for more load of both roles (no joint limits)', () => {
      fc.assert(monotone(['none']), { numRuns });
    });

    it('never gives fewer replicas of either role for more load of both roles (with a ratio band)', () => {
      fc.assert(monotone(['feasible']), { numRuns });
    });
  });

  it('never scales a role down within the scale-down window after scaling it up', () => {
    const walkStep = fc.record(
      {
        prefill: fractionArb(16).map((x) => x - 8),
        decode: fractionArb(16).map((x) => x - 8),
        ttftMs: fc.integer({ min: 100, max: 1000 }),
        tpotMs: fc.integer({ min: 10, max: 100 }),
      },
      { requiredKeys: ['prefill', 'decode'] },
    );
    const windowsArb = fc.record({
      up: fc.constantFrom(0, 30, 60),
      down: fc.constantFrom(60, 120, 300),
    });
    fc.assert(
      fc.property(
        specParamsArb(['none', 'feasible'], ['none']),
        windowsArb,
        fc.tuple(fractionArb(64), fractionArb(64)),
        fc.array(walkStep, { minLength: 40, maxLength: 160 }),
        (params, windows, start, walk) => {
          const spec = buildSpec({
            ...params,
            scaleUp: { ...params.scaleUp, windowS: windows.up },
            scaleDown: { ...params.scaleDown, windowS: windows.down },
          });
          let [p, d] = start;
          const ticks: Tick[] = walk.map((step) => {
            p = Math.min(80, Math.max(0, p + step.prefill));
            d = Math.min(80, Math.max(0, d + step.decode));
            const load: Load = {
              prefillLoad: p,
              decodeLoad: d,
              ...(step.ttftMs === undefined ? {} : { ttftMs: step.ttftMs }),
              ...(step.tpotMs === undefined ? {} : { tpotMs: step.tpotMs }),
            };
            return { dtS: 15, load };
          });
          const { decisions } = runTicks(spec, ticks);
          for (const role of Roles) {
            let lastUpAtMs: EpochMs | undefined;
            for (let i = 1; i < decisions.length; i++) {
              const previous = decisions[i - 1]!;
              const decision = decisions[i]!;
              const delta = desired(decision, role) - desired(previous, role);
              if (delta > 0) lastUpAtMs = decision.atMs;
              if (delta < 0 && lastUpAtMs !== undefined) {
                expect(
                  decision.atMs - lastUpAtMs,
                  `${role} scaled down at +${(decision.atMs - t0) / 1000} s after an up at +${(lastUpAtMs - t0) / 1000} s`,
                ).toBeGreaterThanOrEqual(seconds(spec.scaleDown.windowS));
              }
            }
          }
        },
      ),
      { numRuns },
    );
  });

  describe('holds still under constant load', () => {
    const stepLimits = {
      makeSpec: {
        scaleUp: { maxStepReplicas: 1000, maxStepPercent: 1000 },
        scaleDown: { maxStepReplicas: 1000, maxStepPercent: 100 },
      },
      realistic: {
        scaleUp: { maxStepReplicas: 4, maxStepPercent: 100 },
        scaleDown: { maxStepReplicas: 1, maxStepPercent: 20 },
      },
    } as const;

    const constantSpec = (limits: keyof typeof stepLimits, method: DecisionSpec['forecast']['method']) =>
      makeSpec({
        scaleUp: { windowS: 30, ...stepLimits[limits].scaleUp },
        scaleDown: { windowS: 300, margin: 0.8, ...stepLimits[limits].scaleDown },
        forecast: { method },
      });

    /** A state whose last published count is `count`, as `pdscaler plan --state` would carry it. */
    const stateAt = (count: Readonly<Record<Role, number>>, nowMs: EpochMs): DecisionState => {
      const role = (n: number): RoleState => ({
        desiredReplicas: n,
        lastScaleUpAtMs: undefined,
        lastScaleDownAtMs: undefined,
        samples: [],
        forecast: undefined,
        correction: { factor: 1, atMs: nowMs },
      });
      return { roles: { prefill: role(count.prefill), decode: role(count.decode) } };
    };

    /** 15 s ticks at constant load for `minutes` of simulated time; the adapter applies each decision at once. */
    const simulate = (
      spec: DecisionSpec,
      need: Readonly<Record<Role, number>>,
      start: { readonly count: Readonly<Record<Role, number>>; readonly via: 'state' | 'observation' },
      minutes: number,
    ): Decision[] => {
      let state: DecisionState = start.via === 'state' ? stateAt(start.count, t0) : { roles: {} };
      let applied: Readonly<Record<Role, number>> = start.count;
      const decisions: Decision[] = [];
      for (let tick = 1; tick <= minutes * 4; tick++) {
        const nowMs = t0 + seconds(15 * tick);
        const base = makeObservation(nowMs, {
          prefillLoad: need.prefill - 0.3,
          decodeLoad: need.decode - 0.3,
        });
        const withAdapter = (role: Role): RoleObservation => ({
          ...base.roles[role],
          desiredReplicas: at(applied[role], nowMs),
          readyReplicas: at(applied[role], nowMs),
        });
        const observation = { roles: { prefill: withAdapter('prefill'), decode: withAdapter('decode') } };
        const result = decide(spec, observation, state, nowMs);
        state = result.state;
        applied = {
          prefill: desired(result.decision, 'prefill'),
          decode: desired(result.decision, 'decode'),
        };
        decisions.push(result.decision);
      }
      return decisions;
    };

    const expectSettled = (spec: DecisionSpec, decisions: readonly Decision[], role: Role, need: number) => {
      const series = decisions.map((d) => desired(d, role));
      const steps = series.slice(1).map((n, i) => Math.sign(n - series[i]!));
      expect(steps.includes(1) && steps.includes(-1), `${role} changed direction: ${series.join(',')}`).toBe(
        false,
      );
      const lastHour = series.slice(-240);
      const final = lastHour[lastHour.length - 1]!;
      expect(
        lastHour.every((n) => n === final),
        `${role} moved in the last hour: ${lastHour.join(',')}`,
      ).toBe(true);
      // It settles inside the hysteresis band [up, down] of the constant load (clamped to the bounds).
      const { minReplicas, maxReplicas } = spec.roles[role];
      const up = need;
      const down = Math.ceil((need - 0.3) / spec.scaleDown.margin);
      expect(final).toBeGreaterThanOrEqual(Math.min(maxReplicas, Math.max(minReplicas, up)));
      expect(final).toBeLessThanOrEqual(Math.min(maxReplicas, Math.max(minReplicas, down)));
    };

    it('reaches a fixed point without changing direction, for any N in 1..64 and any starting count', () => {
      fc.assert(
        fc.property(
          fc.record({
            need: fc.record({
              prefill: fc.integer({ min: 1, max: 64 }),
              decode: fc.integer({ min: 1, max: 64 }),
            }),
            count: fc.record({
              prefill: fc.integer({ min: 1, max: 80 }),
              decode: fc.integer({ min: 1, max: 80 }),
            }),
            via: fc.constantFrom('state' as const, 'observation' as const),
            limits: fc.constantFrom('makeSpec' as const, 'realistic' as const),
            method: fc.constantFrom('none' as const, 'ewma' as const, 'holt' as const),
          }),
          (c) => {
            const spec = constantSpec(c.limits, c.method);
            // 90 minutes: settling takes under 15 (a 5 min down window, then a step per tick), the last hour is checked.
            const decisions = simulate(spec, c.need, { count: c.count, via: c.via }, 90);
            for (const role of Roles) expectSettled(spec, decisions, role, c.need[role]);
          },
        ),
        { numRuns },
      );
    });

    it('never moves from exactly N replicas, for every N from 1 to 64', () => {
      const variants = [
        { limits: 'makeSpec', method: 'none' },
        { limits: 'realistic', method: 'holt' },
      ] as const;
      for (const { limits, method } of variants) {
        const spec = constantSpec(limits, method);
        for (let n = 1; n <= 64; n++) {
          for (const via of ['state', 'observation'] as const) {
            // 40 minutes: eight scale-down windows.
            const count = { prefill: n, decode: n };
            const decisions = simulate(spec, count, { count, via }, 40);
            for (const role of Roles) {
              const moved = decisions.find((d) => desired(d, role) !== n);
              expect(
                moved?.roles[role],
                `${role} from ${n} (${limits}, ${method}, via ${via})`,
              ).toBeUndefined();
            }
          }
        }
      }
    });
  });

  describe('never lowers a role on stale or missing input', () => {
    type Degrade = 'fresh' | 'stale' | 'removed';
    const prefillFields = ['requestRatePerS', 'inputTokensMean'] as const;
    // Decode falls back to prefill's ISL/OSL when its own are absent, so only its demand can go missing.
    const decodeFields = ['activeConversations', 'inputTokensMean', 'outputTokensMean'] as const;
    const degradeArb = (n: number, removable: readonly boolean[]) =>
      fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.constantFrom<Degrade>(
            ...(removable[i] === true
              ? (['fresh', 'stale', 'removed'] as const)
              : (['fresh', 'stale'] as const)),
          ),
        ),
      );

    const degradeRole = (
      o: RoleObservation,
      fields: readonly (keyof RoleObservation)[],
      how: readonly Degrade[],
      staleAtMs: EpochMs,
    ): RoleObservation => {
      const entries = Object.entries(o).flatMap(([key, value]): [string, unknown][] => {
        const degrade = how[fields.indexOf(key as keyof RoleObservation)];
        if (degrade === 'removed') return [];
        if (degrade === 'stale') return [[key, { ...(value as Observed<unknown>), atMs: staleAtMs }]];
        return [[key, value]];
      });
      return Object.fromEntries(entries);
    };

    it('holds or raises a role whose required fields are stale or missing', () => {
      fc.assert(
        fc.property(
          specParamsArb(['none', 'feasible'], ['none', 'feasible']),
          fc.array(tickArb, { minLength: 1, maxLength: 6 }),
          fc.record({
            dtS: fc.constantFrom(1, 15, 30, 60, 400),
            load: loadArb,
            whole: fc.boolean(),
            prefill: degradeArb(2, [true, true]),
            decode: degradeArb(3, [true, false, false]),
          }),
          (params, history, last) => {
            const spec = buildSpec(params);
            const fresh = runTicks(spec, history);
            const nowMs = fresh.nowMs + seconds(last.dtS);
            const staleAtMs = nowMs - seconds(spec.stalenessS + 1);
            const observation0 = observe(nowMs, last.load, fresh.state);
            const observation = last.whole
              ? observedAt(observation0, staleAtMs)
              : {
                  roles: {
                    prefill: degradeRole(observation0.roles.prefill, prefillFields, last.prefill, staleAtMs),
                    decode: degradeRole(observation0.roles.decode, decodeFields, last.decode, staleAtMs),
                  },
                };
            const how: Record<Role, readonly Degrade[]> = last.whole
              ? { prefill: ['stale'], decode: ['stale'] }
              : { prefill: last.prefill, decode: last.decode };
            fc.pre(Roles.some((r) => how[r].some((h) => h !== 'fresh')));
            const { decision } = decide(spec, observation, fresh.state, nowMs);
            // A fresh, known-zero demand needs no lengths (zero times any length is zero): that role
            // is known to be idle, not short of data, so only its demand field being degraded counts.
            const demandOf: Record<Role, number | undefined> = {
              prefill: observation0.roles.prefill.requestRatePerS?.value,
              decode: observation0.roles.decode.activeConversations?.value,
            };
            for (const role of Roles) {
              if (how[role].every((h) => h === 'fresh')) continue;
              if (how[role][0] === 'fresh' && demandOf[role] === 0) continue;
              const r = decision.roles[role];
              expect(r.currentReplicas).toBe(fresh.state.roles[role]?.desiredReplicas);
              expect(r.desiredReplicas, `${role} lowered`).toBeGreaterThanOrEqual(r.currentReplicas);
              // Any stale input names the hold: it was not decided on fresh data (decide.ts heldStep).
              const held = how[role].includes('stale') ? 'stale-metrics' : 'missing-metrics';
              expect(r.limits[0]).toBe(held);
              if (r.desiredReplicas === r.currentReplicas) expect(r.boundBy).toBe(held);
              else
                expect(['ratio-band', 'gpu-budget', 'min-replicas', 'schedule-floor']).toContain(r.boundBy);
            }
          },
        ),
        { numRuns },
      );
    });
  });

  it('is deterministic and never mutates its inputs', () => {
    fc.assert(
      fc.property(
        specParamsArb(['none', 'feasible', 'any'], ['none', 'feasible']),
        historyArb,
        tickArb,
        (params, history, last) => {
          const spec = deepFreeze(buildSpec(params));
          const before = runTicks(spec, history);
          const again = runTicks(spec, history);
          expect(again).toEqual(before);
          const nowMs = before.nowMs + seconds(last.dtS);
          const observation = deepFreeze(observe(nowMs, last.load, before.state));
          const state = deepFreeze(before.state);
          const snapshot = structuredClone({ observation, state });
          const first = decide(spec, observation, state, nowMs);
          const second = decide(spec, observation, state, nowMs);
          expect(second).toEqual(first);
          expect({ observation, state }).toEqual(snapshot);
          // The returned state is safe to feed back frozen, too.
          const third = decide(spec, observation, deepFreeze(first.state), nowMs + seconds(15));
          expect(third).toEqual(decide(spec, observation, first.state, nowMs + seconds(15)));
        },
      ),
      { numRuns },
    );
  });
});
