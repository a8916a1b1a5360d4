// SPDX-License-Identifier: Apache-2.0
// The fake cluster against a REAL kubectl (Debian package `kubernetes-client`): discovery, listing
// adapters, the raw Scale, `kubectl scale` on an adapter and the webhook denying a direct RBG edit.
// Only kubectl features present since 1.20 (Debian's version) are used. Outside CI a missing binary
// skips this file with a message; under CI=true it fails.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  kubectl as runKubectl,
  kubectlBinary,
  kubectlMissing,
  skipKubectl,
  type KubectlResult,
} from '../../helpers/kubectl.js';
import { FakeCluster } from '../../../src/demo/cluster/fake-cluster.js';

const NS = 'serving';
const RBG = 'llama';
const SCALE_PATH = `/apis/workloads.x-k8s.io/v1alpha2/namespaces/${NS}/rolebasedgroupscalingadapters/llama-decode/scale`;

let cluster: FakeCluster;
let dir: string;
let kubeconfig: string;

const binary = kubectlBinary;
const missing = kubectlMissing;
const skip = skipKubectl;
if (skip) console.warn(`kubectl.test.ts skipped: ${missing}`);

/** Runs kubectl against the fake; a non-zero exit is a result, not an exception. */
function kubectl(...args: string[]): Promise<KubectlResult> {
  return runKubectl({ kubeconfig, cacheDir: join(dir, 'cache') }, ...args);
}

describe.skipIf(skip)(skip ? `kubectl (skipped: ${missing})` : 'kubectl against the fake cluster', () => {
  beforeAll(async () => {
    if (binary === undefined) throw new Error(`CI=true but ${missing}`);
    cluster = await FakeCluster.start();
    dir = await mkdtemp(join(tmpdir(), 'pdscaler-kubectl-'));
    kubeconfig = await cluster.writeKubeconfig(dir);
  });

  afterAll(async () => {
    if (binary === undefined) return; // beforeAll already failed the suite
    await cluster.close();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    for (const store of [cluster.adapters.store, cluster.rbgs.store])
      for (const object of store.list(NS)) store.remove(NS, object.metadata?.name ?? '');
    cluster.scaleWrites.length = 0;
    cluster.seedRbg({ namespace: NS, name: RBG, replicas: { prefill: 2, decode: 4 } });
  });

  it('lists the adapters by their plural', async () => {
    const result = await kubectl('get', 'rolebasedgroupscalingadapters', '-n', NS);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^NAME\b/);
    expect(result.stdout).toMatch(/^llama-prefill\b/m);
    expect(result.stdout).toMatch(/^llama-decode\b/m);
  });

  it.each([
    { shortName: 'rbgsa', expected: ['llama-prefill', 'llama-decode'] },
    { shortName: 'rbg', expected: ['llama'] },
  ])('resolves the short name $shortName through discovery', async ({ shortName, expected }) => {
    const result = await kubectl('get', shortName, '-n', NS, '-o', 'jsonpath={.items[*].metadata.name}');
    expect(result.stdout.split(' ')).toEqual(expected);
  });

  it('prints the Scale of an adapter with get --raw', async () => {
    const result = await kubectl('get', '--raw', SCALE_PATH);
    expect(JSON.parse(result.stdout)).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'llama-decode', namespace: NS },
      spec: { replicas: 4 },
      status: { replicas: 4 },
    });
  });

  it('scales an adapter with kubectl scale, and the controller carries it into the RBG', async () => {
    const result = await kubectl(
      'scale',
      'rolebasedgroupscalingadapter/llama-decode',
      '--replicas=5',
      '-n',
      NS,
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim()).toBe('rolebasedgroupscalingadapter.workloads.x-k8s.io/llama-decode scaled');
    expect(cluster.scaleWrites).toMatchObject([{ name: 'llama-decode', replicas: 5 }]);
    const roles = await kubectl('get', 'rbg', RBG, '-n', NS, '-o', 'jsonpath={.spec.roles[*].replicas}');
    expect(roles.stdout).toBe('2 5');
  });

  it('reports the webhook denial when the RBG replicas are patched directly', async () => {
    const patch = JSON.stringify([{ op: 'replace', path: '/spec/roles/1/replicas', value: 9 }]);
    const result = await kubectl('patch', 'rbg', RBG, '-n', NS, '--type=json', '-p', patch);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('admission webhook "vrolebasedgroup.kb.io" denied the request');
  });
});
