// SPDX-License-Identifier: Apache-2.0
// keda mode end to end: `pdscaler serve` serves only the KEDA external scaler (no external metrics API,
// no APIService), and a gRPC client from the same .proto calls it the way KEDA's polling loop does
// (GetMetricSpec, then GetMetrics and IsActive): the value follows the live engines' load.
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectExternalScaler, type ExternalScalerClient } from '../../src/serving/keda/client.js';
import type { ScaledObjectRef } from '../../src/serving/keda/proto.js';
import { namespace, ServeProcess, startScenario, writeServeConfig, type Scenario } from './harness.js';

let scenario: Scenario;
let serve: ServeProcess;
let client: ExternalScalerClient;
let address: string;

const ref = (metadata: Record<string, string>): ScaledObjectRef => ({
  name: 'llama-prefill',
  namespace,
  scalerMetadata: { scalerAddress: address, ...metadata },
});

async function metricValue(metricName: string): Promise<number | undefined> {
  try {
    const response = await client.getMetrics({
      scaledObjectRef: ref({ policy: 'llama', role: 'prefill' }),
      metricName,
    });
    return response.metricValues[0]?.metricValueFloat;
  } catch {
    return undefined; // UNAVAILABLE until the first decision
  }
}

async function eventuallyValue(metricName: string, expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: number | undefined;
  while (Date.now() < deadline) {
    last = await metricValue(metricName);
    if (last === expected) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${metricName} stayed at ${String(last)}, expected ${expected}`);
}

beforeAll(async () => {
  scenario = await startScenario();
  serve = new ServeProcess(
    writeServeConfig(
      scenario,
      'keda',
      `mode: keda\nleaderElection: { enabled: false }\nkeda: { address: 127.0.0.1, port: 0 }\n`,
    ),
  );
  const announced = await serve.line(
    /^KEDA external scaler: (127\.0\.0\.1:\d+) \(policy=serving\/llama\)$/,
    20_000,
  );
  address = announced[1] ?? '';
  client = connectExternalScaler({ address });
}, 30_000);

afterAll(async () => {
  client.close();
  await serve.kill('SIGKILL');
  await scenario.close();
});

describe('pdscaler serve in keda mode', () => {
  it('never registers the APIService and serves no external metrics API', () => {
    expect(scenario.cluster.apiServices.store.get('', 'v1beta1.external.metrics.k8s.io')).toBeUndefined();
    expect(serve.stdout.some((line) => line.startsWith('external metrics API'))).toBe(false);
  });

  it('answers GetMetricSpec with a stable name and both target fields', async () => {
    const spec = await client.getMetricSpec(ref({ policy: 'llama', role: 'prefill' }));
    expect(spec.metricSpecs).toEqual([
      { metricName: 'pdscaler_serving_llama_prefill-desired-replicas', targetSize: 1, targetSizeFloat: 1 },
    ]);
  });

  it('serves the desired replicas and follows the load', async () => {
    const name = 'pdscaler_serving_llama_prefill-desired-replicas';
    await eventuallyValue(name, 1, 15_000);
    const response = await client.getMetrics({
      scaledObjectRef: ref({ policy: 'llama', role: 'prefill' }),
      metricName: name,
    });
    expect(response.metricValues).toEqual([{ metricName: name, metricValue: 1, metricValueFloat: 1 }]);
    expect(await client.isActive(ref({ policy: 'llama', role: 'prefill' }))).toEqual({ result: true });
    scenario.engines.prefill.setLoad(3);
    await eventuallyValue(name, 2, 15_000);
  }, 40_000);

  it('rejects bad trigger metadata with INVALID_ARGUMENT naming the key', async () => {
    await expect(client.getMetricSpec(ref({ policy: 'llama', role: 'router' }))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/scalerMetadata\.role/) as unknown,
    });
  });
});
