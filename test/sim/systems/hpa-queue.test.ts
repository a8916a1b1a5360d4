// SPDX-License-Identifier: Apache-2.0
// The hpa-queue baseline rule by rule (docs/reference.md §D.5), including the bad
// behaviour it is measured to have (docs/reference.md §G.3).
import { describe, expect, it } from 'vitest';
import { explicitCapacity } from '../../../src/decision/profile-capacity.js';
import type { Role, RoleObservation } from '../../../src/decision/types.js';
import { defaultQueueTargets, HpaQueue, type HpaQueueOptions } from '../../../src/sim/systems/hpa-queue.js';
import type { RoleFleetView, RoleMetrics, ScalingInput } from '../../../src/sim/systems/types.js';

const t0 = Date.UTC(2026, 0, 5, 12, 0, 0);

const roles: HpaQueueOptions['roles'] = {
  prefill: { minReplicas: 1, maxReplicas: 100, targetPerPod: 5 },
  decode: { minReplicas: 1, maxReplicas: 100, targetPerPod: 10 },
};

/** A role whose spec and pods agree: `replicas` desired, all of them Ready. */
const steady = (replicas: number): RoleFleetView => ({
  desired: replicas,
  ready: replicas,
  starting: 0,
  draining: 0,
});

interface Queues {
  readonly waiting?: number;
  readonly running?: number;
}

function roleMetrics(queues: Queues | undefined): RoleMetrics {
  const at = (value: number) => ({ value, atMs: t0 });
  const observation: RoleObservation = {
    ...(queues?.waiting === undefined ? {} : { waitingRequests: at(queues.waiting) }),
    ...(queues?.running === undefined ? {} : { runningRequests: at(queues.running) }),
  };
  return { observation, extras: {} };
}

interface Sync {
  readonly atS?: number;
  readonly fleet: { readonly prefill?: RoleFleetView; readonly decode?: RoleFleetView };
  readonly prefill?: Queues | undefined;
  readonly decode?: Queues | undefined;
}

function input(sync: Sync): ScalingInput {
  return {
    nowMs: t0 + (sync.atS ?? 0) * 1000,
    fleet: { prefill: sync.fleet.prefill ?? steady(1), decode: sync.fleet.decode ?? steady(1) },
    metrics: { prefill: roleMetrics(sync.prefill), decode: roleMetrics(sync.decode) },
  };
}

/** One sync of a fresh HPA for one role; the other role idles at 1 with a known metric. */
function once(
  role: Role,
  fleet: RoleFleetView,
  queues: Queues | undefined,
  options: Partial<HpaQueueOptions> = {},
) {
  const hpa = new HpaQueue({ roles, ...options });
  const other: Queues = { waiting: 0, running: 0 };
  return hpa.tick(
    input({
      fleet: { [role]: fleet },
      prefill: role === 'prefill' ? queues : other,
      decode: role === 'decode' ? queues : other,
    }),
  )[role];
}

describe('HpaQueue metric and replica formula', () => {
  it.each([
    { sum: 92, want: 10, why: 'ratio 0.92 is inside the band' },
    { sum: 100, want: 10, why: 'ratio 1.0' },
    { sum: 108, want: 10, why: 'ratio 1.08 is inside the band, where ceil(108 / 10) would be 11' },
    { sum: 89, want: 9, why: 'ratio 0.89 leaves the band: ceil(8.9)' },
    { sum: 111, want: 12, why: 'ratio 1.11 leaves the band: ceil(11.1)' },
  ])(
    'holds inside the 10% tolerance band and scales outside it: $sum waiting -> $want ($why)',
    ({ sum, want }) => {
      expect(
        once(
          'prefill',
          steady(10),
          { waiting: sum },
          { roles: { ...roles, prefill: { ...roles.prefill, targetPerPod: 10 } } },
        ),
      ).toBe(want);
    },
  );

  it('scales up to ceil(sum / target) pods', () => {
    // 31 waiting over 4 pods at 5 per pod: ratio 1.55, ceil(31 / 5) = 7 (under the limit of 8).
    expect(once('prefill', steady(4), { waiting: 31 })).toBe(7);
  });

  it('sizes decode on running + waiting', () => {
    // (30 + 10) / (10 x 2 pods) = 2: ceil(40 / 10) = 4.
    expect(once('decode', steady(2), { running: 30, waiting: 10 })).toBe(4);
  });

  it('computes in milli-units, so a float sum that is exactly 3 targets asks for 3 pods', () => {
    const options = { roles: { ...roles, prefill: { ...roles.prefill, targetPerPod: 0.1 } } };
    // In floats 0.1 + 0.2 = 0.30000000000000004 and / 0.1 = 3.0000000000000004, whose ceil is 4.
    expect(once('prefill', steady(1), { waiting: 0.1 + 0.2 }, options)).toBe(3);
  });

  it('uses the pods that exist (status.replicas), not spec.replicas, in the ratio', () => {
    // spec 6, but only 2 Ready + 1 starting: 15 / (5 x 3) = 1.0 is in the band, so it proposes 3.
    expect(once('prefill', { desired: 6, ready: 2, starting: 1, draining: 0 }, { waiting: 15 })).toBe(3);
  });

  it('drops to the minimum under load when nothing waits (the measured bad behaviour)', () => {
    // 6 pods busy with 40 running requests, none waiting: ratio 0, ceil(0) = 0, clamped to min 1.
    expect(once('prefill', steady(6), { waiting: 0, running: 40 })).toBe(1);
  });
});

describe('HpaQueue invalid metric and disabled scaling', () => {
  it.each([
    { role: 'prefill' as const, queues: { running: 40 }, what: 'prefill without waiting' },
    { role: 'decode' as const, queues: { waiting: 3 }, what: 'decode without running' },
    { role: 'decode' as const, queues: undefined, what: 'decode with no queue field at all' },
  ])('keeps spec.replicas when the metric is missing: $what', ({ role, queues }) => {
    expect(once(role, steady(6), queues)).toBe(6);
  });

  it('keeps spec.replicas when it reads no metrics at all', () => {
    const hpa = new HpaQueue({ roles });
    const fleet = { prefill: steady(3), decode: steady(5) };
    expect(hpa.tick({ nowMs: t0, fleet, metrics: undefined })).toEqual({ prefill: 3, decode: 5 });
  });

  it('does nothing while spec.replicas is 0 and minReplicas is not', () => {
    expect(once('prefill', { desired: 0, ready: 0, starting: 0, draining: 0 }, { waiting: 50 })).toBe(0);
  });
});

describe('HpaQueue stabilization windows', () => {
  it('takes the max of the recommendations of the last 300 s when scaling down', () => {
    const hpa = new HpaQueue({ roles });
    const sync = (atS: number, replicas: number, waiting: number) =>
      hpa.tick(input({ atS, fleet: { prefill: steady(replicas) }, prefill: { waiting } })).prefill;
    expect(sync(0, 4, 40)).toBe(8); // recommends 8
    expect(sync(150, 8, 25)).toBe(8); // recommends 5; max(8, 5) over (-150, 150]
    expect(sync(290, 8, 10)).toBe(8); // recommends 2; the t=0 recommendation of 8 is still in the window
    expect(sync(301, 8, 10)).toBe(5); // t=0 fell out (window is (1, 301]): max(5, 2, 2)
    expect(sync(451, 5, 10)).toBe(2); // window (151, 451]: only recommendations of 2 remain
  });

  it('scales up at once with the default 0 s up window', () => {
    const hpa = new HpaQueue({ roles });
    hpa.tick(input({ atS: 0, fleet: { prefill: steady(2) }, prefill: { waiting: 10 } }));
    expect(
      hpa.tick(input({ atS: 15, fleet: { prefill: steady(2) }, prefill: { waiting: 20 } })).prefill,
    ).toBe(4);
  });

  it('takes the min of the recommendations in the up window when one is set', () => {
    const hpa = new HpaQueue({ roles, upWindowS: 60 });
    const sync = (atS: number, waiting: number) =>
      hpa.tick(input({ atS, fleet: { prefill: steady(2) }, prefill: { waiting } })).prefill;
    expect(sync(0, 10)).toBe(2); // recommends 2
    expect(sync(15, 40)).toBe(2); // recommends 8; min(2, 8) over (-45, 15]
    expect(sync(75, 40)).toBe(4); // window (15, 75]: min is 8, then the legacy limit of 4
  });
});

describe('HpaQueue limits and bounds', () => {
  it.each([
    { current: 1, want: 4, why: 'max(2 x 1, 4) = 4' },
    { current: 3, want: 6, why: 'max(2 x 3, 4) = 6' },
    { current: 10, want: 20, why: 'max(2 x 10, 4) = 20' },
  ])('limits a scale-up to max(2 x current, 4): from $current to $want ($why)', ({ current, want }) => {
    expect(once('prefill', steady(current), { waiting: 500 })).toBe(want);
  });

  it.each([
    { name: 'clamps a recommendation to maxReplicas', fleet: steady(10), waiting: 500, want: 12 },
    { name: 'clamps a recommendation to minReplicas', fleet: steady(3), waiting: 0, want: 2 },
    { name: 'brings spec.replicas above max down to max', fleet: steady(20), waiting: 500, want: 12 },
    { name: 'brings spec.replicas below min up to min', fleet: steady(1), waiting: 500, want: 2 },
  ])('$name', ({ fleet, waiting, want }) => {
    const bounded = { roles: { ...roles, prefill: { minReplicas: 2, maxReplicas: 12, targetPerPod: 5 } } };
    expect(once('prefill', fleet, { waiting }, bounded)).toBe(want);
  });
});

describe('defaultQueueTargets', () => {
  it('targets 5 waiting per prefill pod and the decode batch the capacity allows at the TPOT SLO', () => {
    const capacity = explicitCapacity({
      prefillTokensPerSecondPerReplica: 10_000,
      decodeMaxBatchPerReplica: 100,
      decodeItlAtMaxBatchMs: 50,
    });
    // A 25 ms TPOT SLO is half the 50 ms of the full batch of 100: 50 conversations.
    expect(defaultQueueTargets(capacity, 3075, 25)).toEqual({ prefill: 5, decode: 50 });
  });
});
