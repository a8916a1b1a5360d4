// SPDX-License-Identifier: Apache-2.0
// The fake apiserver itself, through the real client: later tests (RBG, /scale) build on these semantics.
import { ApiException, CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubePodApi } from '../../../src/sources/discovery/kube-pod-api.js';
import { FakeApiServer } from '../../../src/demo/cluster/fake-apiserver.js';
import { makePod } from '../../fakes/pods.js';
import { eventually } from './eventually.js';

let server: FakeApiServer;

beforeAll(async () => {
  server = await FakeApiServer.start();
  server.pods.apply(makePod({ name: 'a', namespace: 'ns1', labels: { app: 'x', tier: 'p' } }));
  server.pods.apply(makePod({ name: 'b', namespace: 'ns1', labels: { app: 'x' } }));
  server.pods.apply(makePod({ name: 'c', namespace: 'ns1', labels: { app: 'y', tier: 'p' } }));
  server.pods.apply(makePod({ name: 'a', namespace: 'ns2', labels: { app: 'x' } }));
});
afterAll(async () => {
  await server.close();
});

/** Opens a watch and collects `TYPE name` lines until stopped. */
async function collect(selector: string, resourceVersion: string) {
  const seen: string[] = [];
  let ended: unknown = 'open';
  const watch = await kubePodApi(server.kubeConfig()).watch(
    { namespace: 'ns1', labelSelector: selector, resourceVersion },
    {
      event: (type, object) => {
        const o = object as { metadata?: { name?: string }; code?: number };
        seen.push(`${type} ${o.metadata?.name ?? String(o.code)}`);
      },
      done: (error) => {
        ended = error;
      },
    },
  );
  return { seen, watch, ended: () => ended };
}

describe('fake apiserver', () => {
  it('serves /version over TLS the client verifies with the generated CA', async () => {
    const version = await server.kubeConfig().makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.33.0-fake');
  });

  it('rejects a wrong token with a 401 Status', async () => {
    const kc = new KubeConfig();
    const good = server.kubeConfig();
    kc.loadFromOptions({
      clusters: good.clusters,
      users: [{ name: 'tester', token: 'wrong' }],
      contexts: good.contexts,
      currentContext: good.currentContext,
    });
    const error: unknown = await kc
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace: 'ns1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(401);
  });

  it.each([
    { selector: '', want: ['a', 'b', 'c'] },
    { selector: 'app=x', want: ['a', 'b'] },
    { selector: 'app==x,tier=p', want: ['a'] },
    { selector: 'app!=x', want: ['c'] },
    { selector: 'tier', want: ['a', 'c'] },
    { selector: '!tier', want: ['b'] },
  ])('lists with label selector "$selector"', async ({ selector, want }) => {
    const list = await kubePodApi(server.kubeConfig()).list('ns1', selector);
    expect(list.items.map((p) => p.metadata?.name).sort()).toEqual(want);
  });

  it('answers set-based selectors it does not implement with 400', async () => {
    await expect(kubePodApi(server.kubeConfig()).list('ns1', 'app in (x,y)')).rejects.toThrow(/^HTTP 400/);
  });

  it('replays from a resourceVersion and turns "stopped matching" into DELETED', async () => {
    const { resourceVersion } = await kubePodApi(server.kubeConfig()).list('ns1', 'app=x');
    server.pods.apply(makePod({ name: 'd', namespace: 'ns1', labels: { app: 'x' } })); // before the watch
    const { seen, watch } = await collect('app=x', resourceVersion);
    server.pods.apply(makePod({ name: 'b', namespace: 'ns1', labels: { app: 'y' } })); // leaves the selector
    server.pods.apply(makePod({ name: 'c', namespace: 'ns1', labels: { app: 'x' } })); // enters it
    server.pods.apply(makePod({ name: 'a', namespace: 'ns2', labels: { app: 'x', v: '2' } })); // other namespace
    server.pods.remove('ns1', 'd');
    await eventually(() => {
      expect(seen).toEqual(['ADDED d', 'DELETED b', 'ADDED c', 'DELETED d']);
    });
    watch.stop();
  });

  it('answers a watch from a compacted resourceVersion with a 410 ERROR event', async () => {
    const { resourceVersion } = await kubePodApi(server.kubeConfig()).list('ns1', '');
    server.pods.apply(makePod({ name: 'e', namespace: 'ns1' }));
    server.pods.compact();
    const { seen, ended } = await collect('', resourceVersion);
    await eventually(() => {
      expect(ended()).toBeNull();
    });
    expect(seen).toEqual(['ERROR 410']);
  });
});
