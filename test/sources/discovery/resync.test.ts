// SPDX-License-Identifier: Apache-2.0
// The list/watch/resync state machine over a data-driven PodApi and hand-driven timers: exact backoff
// delays, exact status transitions, stale watches ignored. The real wire is in pods-apiserver.test.ts.
import { describe, expect, it } from 'vitest';
import type { PodLike } from '../../../src/sources/discovery/endpoint.js';
import { roleSelector, type RoleRef } from '../../../src/sources/discovery/labels.js';
import { RolePodDiscovery, type DiscoveryStatus } from '../../../src/sources/discovery/pods.js';
import { FakePodApi, ManualTimers } from '../../fakes/fake-pod-api.js';
import { makePod, rbgLabels } from '../../fakes/pods.js';

const role: RoleRef = { namespace: 'serving', rbg: 'llama', role: 'decode', leaderWorker: false };
const v07 = roleSelector(role, 'rbg-v0.7');
const v06 = roleSelector(role, 'rbg-v0.6');

/** Lets the discovery's awaited list/watch promises settle (no time passes). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function pod(name: string, ready = true): PodLike {
  const object = makePod({ name, ready, ip: `10.0.1.${name.length}`, labels: rbgLabels('llama', 'decode') });
  return { ...(object as PodLike), metadata: { ...(object as PodLike).metadata, uid: `uid-${name}` } };
}

function setup() {
  const api = new FakePodApi();
  const timers = new ManualTimers();
  const changes: DiscoveryStatus[] = [];
  const discovery = new RolePodDiscovery({
    role,
    api,
    timers,
    now: timers.now,
    onStatusChange: (status) => changes.push(status),
  });
  const names = () => discovery.endpoints().map((e) => e.pod);
  return { api, timers, changes, discovery, names };
}

describe('RolePodDiscovery resync', () => {
  it('backs off 800, 1600, 3200 ms while the list fails, then serves the pods; one status change each way', async () => {
    const { api, timers, changes, discovery, names } = setup();
    const refused = new Error('connect ECONNREFUSED 10.96.0.1:443');
    api.answer(v07, refused, refused, refused, { items: [pod('a')], resourceVersion: '5' });
    api.answer(v06, { items: [], resourceVersion: '5' });

    await discovery.start();
    expect(discovery.status()).toEqual({
      state: 'resyncing',
      sinceMs: 0,
      reason: 'rbg-v0.7 labels: list failed: connect ECONNREFUSED 10.96.0.1:443',
      attempt: 1,
    });
    expect(timers.pendingDelays()).toEqual([800]);
    timers.advance(800);
    await flush();
    expect(timers.pendingDelays()).toEqual([1600]);
    timers.advance(1600);
    await flush();
    expect(timers.pendingDelays()).toEqual([3200]);
    expect(names()).toEqual([]); // unknown so far, and nothing invented
    timers.advance(3200);
    await flush();
    expect(discovery.status()).toEqual({ state: 'healthy', sinceMs: 5600 });
    expect(names()).toEqual(['a']);
    expect(api.liveWatch(v07).query.resourceVersion).toBe('5'); // watches from the list's snapshot
    // Three failed retries, one log line each way.
    expect(changes.map((s) => s.state)).toEqual(['resyncing', 'healthy']);
  });

  it('applies ADDED, MODIFIED and DELETED events, and keeps the last known pods while resyncing', async () => {
    const { api, timers, discovery, names } = setup();
    api.answer(v07, { items: [pod('a')], resourceVersion: '5' });
    await discovery.start();
    const watch = api.liveWatch(v07);
    watch.sink.event('ADDED', pod('b'));
    expect(names()).toEqual(['a', 'b']);
    watch.sink.event('MODIFIED', pod('b', false)); // lost readiness
    expect(names()).toEqual(['a']);
    watch.sink.event('MODIFIED', pod('b'));
    watch.sink.event('DELETED', pod('a'));
    expect(names()).toEqual(['b']);
    watch.sink.event('BOOKMARK', { kind: 'Pod', metadata: { resourceVersion: '9' } });
    expect(names()).toEqual(['b']);

    watch.sink.done(new Error('socket hang up'));
    expect(discovery.status()).toMatchObject({
      state: 'resyncing',
      reason: 'rbg-v0.7 labels: watch failed: socket hang up',
    });
    expect(watch.stopped).toBe(true);
    expect(names()).toEqual(['b']); // a dropped watch is not a dropped pod
    watch.sink.event('ADDED', pod('ghost')); // a late event from the dead stream
    expect(names()).toEqual(['b']);

    timers.advance(800);
    await flush();
    expect(discovery.status().state).toBe('healthy');
    expect(names()).toEqual(['a']); // the re-list is the truth
  });

  it('keeps backing off when a watch dies young, and starts over after one that lived 2 minutes', async () => {
    const { api, timers, discovery } = setup();
    api.answer(v07, { items: [pod('a')], resourceVersion: '5' });
    await discovery.start();

    api.liveWatch(v07).sink.done(null); // dies at once
    expect(discovery.status()).toMatchObject({ reason: 'rbg-v0.7 labels: watch closed by the server' });
    expect(timers.pendingDelays()).toEqual([800]);
    timers.advance(800);
    await flush();
    api.liveWatch(v07).sink.done(null); // dies at once again: back off further
    expect(timers.pendingDelays()).toEqual([1600]);
    timers.advance(1600);
    await flush();

    timers.advance(120_000); // this watch stays up for the reset period
    api.liveWatch(v07).sink.event('ERROR', {
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      message: 'too old resource version: 5 (9)',
    });
    expect(discovery.status()).toMatchObject({
      state: 'resyncing',
      reason: 'rbg-v0.7 labels: watch expired (410 Gone): too old resource version: 5 (9)',
      attempt: 1,
    });
    expect(timers.pendingDelays()).toEqual([800]);
  });

  it('reports both schemes when both fail, and stop() cancels retries', async () => {
    const { api, timers, changes, discovery } = setup();
    api.answer(v07, new Error('HTTP 403: pods is forbidden'));
    api.answer(v06, new Error('HTTP 403: pods is forbidden'));
    await discovery.start();
    expect(discovery.status()).toMatchObject({
      state: 'resyncing',
      reason:
        'rbg-v0.7 labels: list failed: HTTP 403: pods is forbidden; rbg-v0.6 labels: list failed: HTTP 403: pods is forbidden',
    });
    discovery.stop();
    expect(timers.pendingDelays()).toEqual([]);
    expect(discovery.status()).toEqual({ state: 'stopped' });
    expect(changes.map((s) => s.state)).toEqual(['resyncing', 'stopped']);
  });

  it('rejects names that would change the label selector', () => {
    expect(() => new RolePodDiscovery({ role: { ...role, rbg: 'a,b=c' }, api: new FakePodApi() })).toThrow(
      'rbg = "a,b=c", must be a Kubernetes label value',
    );
  });
});
