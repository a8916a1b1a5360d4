// SPDX-License-Identifier: Apache-2.0
// Scale from zero end to end: `pdscaler serve` (child process) against the fake apiserver holding an
// RBG at 0/0 replicas and a fake endpoint picker /metrics (bearer token required, as the EPP's default
// --metrics-endpoint-auth). The policy ticks every 15 s; the gateway poll (250 ms) must act within
// 1 s of the gateway queue turning > 0: direct mode writes /scale 0 -> 1 for both roles, keda mode
// pushes StreamIsActive true (docs/reference.md §E.1.5).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster } from '../../src/demo/cluster/fake-cluster.js';
import { connectExternalScaler } from '../../src/serving/keda/client.js';
import type { IsActiveResponse } from '../../src/serving/keda/proto.js';
import { FakeEpp } from '../sources/gateway/fake-epp.js';
import { namespace, rbgName, ServeProcess, until } from './harness.js';

const pool = 'llama-pool';
const token = 'gateway-reader-token';

function policyYaml(eppUrl: string, tokenFile: string): string {
  return `apiVersion: pdscaler.io/v1alpha1
kind: ScalingPolicy
metadata:
  name: llama
  namespace: ${namespace}
spec:
  target:
    rbg: ${rbgName}
  scaleToZero: true
  roles:
    prefill: { minReplicas: 0, maxReplicas: 4, coldStart: 5s }
    decode: { minReplicas: 0, maxReplicas: 4, coldStart: 5s }
  slo:
    ttftMs: 1000
    tpotMs: 50
  capacity:
    explicit:
      prefillTokensPerSecondPerReplica: 10000
      decodeMaxBatchPerReplica: 100
      decodeItlAtMaxBatchMs: 20
  forecast:
    method: none
    headroomSigmas: 0
  metrics:
    interval: 15s
  gateway:
    pool: ${pool}
    model: llama
    endpoints: [${eppUrl}]
    bearerTokenFile: ${tokenFile}
`;
}

let cluster: FakeCluster;
let epp: FakeEpp;
let serve: ServeProcess | undefined;
let dir: string;

beforeEach(async () => {
  cluster = await FakeCluster.start();
  cluster.seedRbg({ namespace, name: rbgName, replicas: { prefill: 0, decode: 0 } });
  epp = await FakeEpp.start(pool, 'llama');
  epp.token = token;
  dir = mkdtempSync(join(tmpdir(), 'pdscaler-sfz-'));
  writeFileSync(join(dir, 'token'), `${token}\n`);
  writeFileSync(join(dir, 'policy.yaml'), policyYaml(epp.url, join(dir, 'token')));
});

afterEach(async () => {
  await serve?.kill('SIGKILL');
  serve = undefined;
  await epp.close();
  await cluster.close();
});

async function startServe(body: string): Promise<ServeProcess> {
  const kubeconfig = await cluster.writeKubeconfig(dir);
  const path = join(dir, 'serve.yaml');
  writeFileSync(
    path,
    `apiVersion: pdscaler.io/v1alpha1\nkind: ServeConfig\npolicies: [policy.yaml]\nkubeconfig: ${kubeconfig}\nleaderElection: { enabled: false }\n${body}`,
  );
  const process = new ServeProcess(path);
  // The first tick runs at start and publishes the adapters' replicas (0/0) on the board.
  await until(() => process.logs(/./).find((r) => r.boundBy !== undefined), 20_000, 'the first decision');
  return process;
}

describe('scale from zero on gateway demand', () => {
  it('direct mode writes /scale 0 -> 1 for both roles within 1 s of the gateway queue turning > 0', async () => {
    serve = await startServe('mode: direct\n');
    // Idle gateway, polled with the token: nothing is written.
    await new Promise((r) => setTimeout(r, 1000));
    expect(cluster.scaleWrites).toEqual([]);
    expect(epp.scrapes).toBeGreaterThan(2);

    const queuedAtMs = Date.now();
    epp.state.queued = 1;
    const prefill = await until(
      () => cluster.scaleWrites.find((w) => w.name === `${rbgName}-prefill`),
      5_000,
      'the prefill /scale write',
    );
    const decode = await until(
      () => cluster.scaleWrites.find((w) => w.name === `${rbgName}-decode`),
      5_000,
      'the decode /scale write',
    );
    const firstWriteMs = Math.min(prefill.atMs, decode.atMs) - queuedAtMs;
    console.log(`scale from zero (direct): gateway queue > 0 -> first /scale write in ${firstWriteMs} ms`);
    expect(prefill.replicas).toBe(1);
    expect(decode.replicas).toBe(1);
    expect(prefill.atMs - queuedAtMs).toBeLessThan(1000);
    expect(decode.atMs - queuedAtMs).toBeLessThan(1000);
    expect(
      serve.logs(/^scale from zero: prefill 0 -> 1 \(1 requests queued at gateway pool llama-pool\)$/),
    ).toHaveLength(1);
  }, 40_000);

  it('keda mode pushes StreamIsActive true within 1 s of the gateway queue turning > 0', async () => {
    serve = await startServe('mode: keda\nkeda: { address: 127.0.0.1, port: 0 }\n');
    const announced = await serve.line(/^KEDA external scaler: (127\.0\.0\.1:\d+) /, 5_000);
    const address = announced[1] ?? '';
    const client = connectExternalScaler({ address });
    const pushes: { atMs: number; message: IsActiveResponse }[] = [];
    const stream = client.streamIsActive({
      name: 'llama-prefill',
      namespace,
      scalerMetadata: { scalerAddress: address, policy: 'llama', role: 'prefill' },
    });
    stream.on('data', (message: IsActiveResponse) => pushes.push({ atMs: Date.now(), message }));
    stream.on('error', () => undefined); // cancelled below
    try {
      await new Promise((r) => setTimeout(r, 1000));
      expect(pushes).toEqual([]);
      const queuedAtMs = Date.now();
      epp.state.queued = 3;
      const push = await until(() => pushes[0], 5_000, 'a StreamIsActive push');
      console.log(
        `scale from zero (keda): gateway queue > 0 -> StreamIsActive true in ${push.atMs - queuedAtMs} ms`,
      );
      expect(push.message).toEqual({ result: true });
      expect(push.atMs - queuedAtMs).toBeLessThan(1000);
      // keda mode never writes /scale itself: KEDA does, on the push.
      expect(cluster.scaleWrites).toEqual([]);
    } finally {
      stream.cancel();
      client.close();
    }
  }, 40_000);

  it('reports a gateway that refuses the token as an auth problem and writes nothing', async () => {
    epp.token = 'another-token';
    epp.state.queued = 5;
    serve = await startServe('mode: direct\n');
    await new Promise((r) => setTimeout(r, 1000));
    expect(cluster.scaleWrites).toEqual([]);
    const holds = serve.logs(/./).filter((r) => JSON.stringify(r.notes ?? '').includes('HTTP 401'));
    expect(holds.length).toBeGreaterThan(0);
  }, 40_000);
});
