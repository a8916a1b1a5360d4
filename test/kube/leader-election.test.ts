// SPDX-License-Identifier: Apache-2.0
// Leader election against the fake cluster's Lease over the real wire, on a manual clock: every elector
// sleeps on the clock, the test moves time and waits until each woken elector is asleep again, so a
// run of 30 "seconds" takes a few real milliseconds and every step is deterministic.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderElector, type LeaderElectionOptions } from '../../src/kube/leader-election.js';
import type { Sleep } from '../../src/kube/retry.js';
import { SelfMetrics } from '../../src/serving/self-metrics.js';
import { FakeCluster } from '../../src/demo/cluster/fake-cluster.js';
import { eventually } from '../sources/discovery/eventually.js';

const ns = 'pdscaler-system';
const t0 = Date.UTC(2026, 0, 5, 12, 0, 0);
let cluster: FakeCluster;
let leases = 0;

beforeAll(async () => {
  cluster = await FakeCluster.start();
});
afterAll(async () => {
  await cluster.close();
});

interface Sleeper {
  readonly owner: string;
  readonly dueMs: number;
  readonly wake: () => void;
}

/** Shared fake time; each elector sleeps under its own name so a test can leave one asleep (hung). */
class ManualTime {
  nowMs = t0;
  private readonly sleepers: Sleeper[] = [];

  sleep(owner: string): Sleep {
    return (ms, signal) =>
      new Promise<void>((resolve) => {
        const sleeper: Sleeper = {
          owner,
          dueMs: this.nowMs + ms,
          wake: () => {
            signal?.removeEventListener('abort', sleeper.wake);
            this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
            resolve();
          },
        };
        this.sleepers.push(sleeper);
        signal?.addEventListener('abort', sleeper.wake, { once: true });
      });
  }

  asleep(owners: readonly string[]): number {
    return this.sleepers.filter((s) => owners.includes(s.owner)).length;
  }

  /** Resolves once every named elector is asleep, i.e. done with its step. */
  async settled(owners: readonly string[]): Promise<void> {
    await eventually(() => {
      expect(this.asleep(owners)).toBe(owners.length);
    });
  }

  /** Moves time by `ms`, waking the named electors at their due times, one due time at a time. */
  async advance(ms: number, owners: readonly string[]): Promise<void> {
    const targetMs = this.nowMs + ms;
    for (;;) {
      const due = this.sleepers
        .filter((s) => owners.includes(s.owner) && s.dueMs <= targetMs)
        .sort((a, b) => a.dueMs - b.dueMs)[0];
      if (due === undefined) break;
      this.nowMs = due.dueMs;
      for (const sleeper of this.sleepers.filter((s) => owners.includes(s.owner) && s.dueMs === due.dueMs))
        sleeper.wake();
      await this.settled(owners);
    }
    this.nowMs = targetMs;
  }
}

interface Candidate {
  readonly elector: LeaderElector;
  readonly calls: string[];
}

function candidate(
  time: ManualTime,
  identity: string,
  leaseName: string,
  options: Partial<LeaderElectionOptions> = {},
): Candidate {
  const calls: string[] = [];
  const elector = new LeaderElector({
    kubeConfig: cluster.kubeConfig(),
    namespace: ns,
    leaseName,
    identity,
    logger: pino({ level: 'silent' }),
    nowMs: () => time.nowMs,
    sleep: time.sleep(identity),
    random: () => 0,
    onStartedLeading: () => calls.push(`started@${(time.nowMs - t0) / 1000}`),
    onStoppedLeading: () => calls.push(`stopped@${(time.nowMs - t0) / 1000}`),
    ...options,
  });
  return { elector, calls };
}

function leaseSpec(name: string): Record<string, unknown> {
  return cluster.leases.store.get(ns, name)?.spec as Record<string, unknown>;
}

/** RFC 3339 with microseconds, as kube's MicroTime marshals. */
function micro(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

describe('LeaderElector', () => {
  it('lets exactly one of two candidates lead and keeps renewing its lease', async () => {
    const time = new ManualTime();
    const lease = `lease-${++leases}`;
    const a = candidate(time, 'a', lease);
    const b = candidate(time, 'b', lease);

    // Both find no lease and both create it: the apiserver accepts one, the other gets 409.
    a.elector.start();
    b.elector.start();
    await time.settled(['a', 'b']);
    const [leader, standby] = a.elector.isLeader() ? [a, b] : [b, a];
    expect(leader.elector.isLeader()).toBe(true);
    expect(standby.elector.isLeader()).toBe(false);

    for (let step = 0; step < 15; step++) {
      await time.advance(2_000, ['a', 'b']);
      expect([a, b].filter((c) => c.elector.isLeader())).toEqual([leader]);
    }

    const holder = leader === a ? 'a' : 'b';
    expect(leaseSpec(lease)).toEqual({
      holderIdentity: holder,
      leaseDurationSeconds: 15,
      acquireTime: micro(t0),
      renewTime: micro(t0 + 30_000),
      leaseTransitions: 0,
    });
    expect(leader.calls).toEqual(['started@0']);
    expect(standby.calls).toEqual([]);
    await a.elector.stop();
    await b.elector.stop();
  });

  it('releases the lease on stop so the standby takes over at its next try', async () => {
    const time = new ManualTime();
    const lease = `lease-${++leases}`;
    const metrics = new SelfMetrics();
    const a = candidate(time, 'a', lease, { metrics });
    const b = candidate(time, 'b', lease);
    a.elector.start();
    await time.settled(['a']);
    b.elector.start();
    await time.settled(['a', 'b']);
    await time.advance(1_000, ['a', 'b']);

    await a.elector.stop();

    expect(a.elector.isLeader()).toBe(false);
    expect(a.calls).toEqual(['started@0', 'stopped@1']);
    expect((await metrics.leader.get()).values[0]?.value).toBe(0);
    expect(leaseSpec(lease)).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });

    // b tried at 0 s; with no jitter its next try is at 2 s, 1 s after the release.
    await time.advance(1_000, ['b']);
    expect(b.elector.isLeader()).toBe(true);
    expect(b.calls).toEqual(['started@2']);
    expect(leaseSpec(lease)).toEqual({
      holderIdentity: 'b',
      leaseDurationSeconds: 15,
      acquireTime: micro(t0 + 2_000),
      renewTime: micro(t0 + 2_000),
      leaseTransitions: 1,
    });
    await b.elector.stop();
  });

  it('takes over a hung leader only after renewTime + leaseDuration has passed', async () => {
    const time = new ManualTime();
    const lease = `lease-${++leases}`;
    const a = candidate(time, 'a', lease);
    const b = candidate(time, 'b', lease);
    a.elector.start();
    await time.settled(['a']);
    b.elector.start();
    await time.settled(['a', 'b']);
    await time.advance(4_000, ['a', 'b']); // a renewed at 2 s and 4 s

    // a hangs (never wakes again); b keeps trying every 2 s.
    const leaderAt: number[] = [];
    for (let step = 0; step < 10; step++) {
      await time.advance(2_000, ['b']);
      if (b.elector.isLeader()) leaderAt.push((time.nowMs - t0) / 1000);
    }

    // a's last renewTime is 4 s: the lease is valid up to 19 s, so b's try at 18 s fails and 20 s wins.
    expect(leaderAt[0]).toBe(20);
    // a never renewed after 4 s: past its renew deadline it no longer claims leadership, loop or not.
    expect(a.elector.isLeader()).toBe(false);
    expect(leaseSpec(lease)).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    await a.elector.stop();
    await b.elector.stop();
    // a still held the flag when it stopped; the lease was b's, so a released nothing.
    expect(a.calls).toEqual(['started@0', 'stopped@24']);
    expect(leaseSpec(lease)).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
  });

  it('steps down once renewals have failed for the renew deadline, then campaigns again', async () => {
    const time = new ManualTime();
    const lease = `lease-${++leases}`;
    const a = candidate(time, 'a', lease);
    a.elector.start();
    await time.settled(['a']);
    // Renewals at 2, 4, 6, 8 and 10 s fail.
    cluster.server.failNext(5, 500, { path: new RegExp(`/leases/${lease}$`) });

    await time.advance(8_000, ['a']);
    expect(a.elector.isLeader()).toBe(true); // 8 s since the last renewal, under the 10 s deadline
    await time.advance(2_000, ['a']);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.calls).toEqual(['started@0', 'stopped@10']);

    // The lease still names a, so a's next try takes it straight back.
    await time.advance(2_000, ['a']);
    expect(a.calls).toEqual(['started@0', 'stopped@10', 'started@12']);
    await a.elector.stop();
  });

  it('waits retryPeriod plus up to 1.2 x retryPeriod of jitter between tries as a candidate', async () => {
    const time = new ManualTime();
    const lease = `lease-${++leases}`;
    const a = candidate(time, 'a', lease);
    const b = candidate(time, 'b', lease, { random: () => 0.5 });
    a.elector.start();
    await time.settled(['a']);
    const from = cluster.server.requests.length;
    b.elector.start();
    await time.settled(['b']);

    await time.advance(3_100, ['b']); // 2 s + 0.5 x 1.2 x 2 s = 3.2 s: no second try yet
    expect(cluster.server.requests.slice(from)).toHaveLength(1);
    await time.advance(100, ['b']);
    expect(cluster.server.requests.slice(from)).toHaveLength(2);
    await a.elector.stop();
    await b.elector.stop();
  });

  it.each([
    {
      name: 'leaseDuration not above renewDeadline',
      leaseDurationS: 10,
      renewDeadlineS: 10,
      retryPeriodS: 2,
      want: 'leaderElection: leaseDuration must be greater than renewDeadline',
    },
    {
      name: 'renewDeadline not above 1.2 x retryPeriod',
      leaseDurationS: 15,
      renewDeadlineS: 2.4,
      retryPeriodS: 2,
      want: 'leaderElection: renewDeadline must be greater than 1.2 x retryPeriod',
    },
  ])('rejects timings client-go rejects: $name', ({ leaseDurationS, renewDeadlineS, retryPeriodS, want }) => {
    expect(() =>
      candidate(new ManualTime(), 'a', 'unused', { leaseDurationS, renewDeadlineS, retryPeriodS }),
    ).toThrow(want);
  });
});
