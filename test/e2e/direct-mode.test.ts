// SPDX-License-Identifier: Apache-2.0
// Direct mode end to end: `pdscaler serve` (child process) reads live fake vLLM engines found through
// the fake apiserver and writes the RBG scaling adapters' /scale itself. Load rises -> scale up one
// tick after the up window; load falls -> down only after the down window; an engine dies -> hold
// and a Warning event; SIGTERM -> clean exit with the lease released.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScaleWrite } from '../../src/demo/cluster/fake-cluster.js';
import {
  namespace,
  rbgName,
  ServeProcess,
  startScenario,
  until,
  writeDirectConfig,
  type Scenario,
} from './harness.js';

let scenario: Scenario;
let serve: ServeProcess;

const writesFor = (role: string, from = 0): ScaleWrite[] =>
  scenario.cluster.scaleWrites.filter((w) => w.name === `${rbgName}-${role}` && w.atMs >= from);

beforeAll(async () => {
  scenario = await startScenario();
  const config = writeDirectConfig(scenario, 'pdscaler-a');
  serve = new ServeProcess(config);
  // The leader saves its decision state after every tick: the ConfigMap appearing means the loop runs.
  await until(
    () => scenario.cluster.configMaps.store.get(namespace, 'pdscaler-state'),
    20_000,
    'the state ConfigMap',
  );
}, 30_000);

afterAll(async () => {
  await serve.kill('SIGKILL');
  await scenario.close();
});

describe('pdscaler serve in direct mode', () => {
  it('holds one replica per role at the base load and writes nothing', async () => {
    await new Promise((r) => setTimeout(r, 3000));
    expect(scenario.cluster.scaleWrites).toEqual([]);
    // The first tick has no rate window yet: a hold that short is not worth a Warning.
    expect(scenario.cluster.events.store.list(namespace)).toEqual([]);
    expect(scenario.cluster.leases.store.get(namespace, 'pdscaler')?.spec).toMatchObject({
      holderIdentity: 'pdscaler-a',
    });
  });

  it('scales both roles up within one tick after the up window when the load triples', async () => {
    const riseMs = Date.now();
    scenario.engines.prefill.setLoad(3);
    scenario.engines.decode.setLoad(3);
    const prefill = await until(
      () => writesFor('prefill', riseMs).find((w) => w.replicas === 2),
      15_000,
      'prefill 1 -> 2',
    );
    const decode = await until(
      () => writesFor('decode', riseMs).find((w) => w.replicas === 2),
      15_000,
      'decode 1 -> 2',
    );
    // The new rate shows after two scrapes (1 s apart), then the 2 s up window, then one 1 s tick.
    expect(prefill.atMs - riseMs).toBeLessThan(2000 + 2000 + 1000 + 1500);
    expect(decode.atMs - riseMs).toBeLessThan(2000 + 2000 + 1000 + 1500);
    expect(scenario.cluster.adapters.store.get(namespace, `${rbgName}-prefill`)?.spec).toMatchObject({
      replicas: 2,
    });
    // The Event follows the /scale write it reports.
    const event = await until(
      () =>
        scenario.cluster.events.store
          .list(namespace)
          .find((e) => e.reason === 'ScaledRole' && String(e.message).startsWith('prefill 1 -> 2: ')),
      5_000,
      'the ScaledRole event of the scale-up',
    );
    expect(event.type).toBe('Normal');
  }, 20_000);

  it('scales down only after the down window once the load falls back', async () => {
    const fallMs = Date.now();
    scenario.engines.prefill.setLoad(1);
    scenario.engines.decode.setLoad(1);
    const down = await until(
      () => writesFor('prefill', fallMs).find((w) => w.replicas === 1),
      20_000,
      'prefill 2 -> 1',
    );
    expect(down.atMs - fallMs).toBeGreaterThanOrEqual(8000);
    expect(down.atMs - fallMs).toBeLessThan(8000 + 2000 + 2500);
    await until(() => writesFor('decode', fallMs).find((w) => w.replicas === 1), 5_000, 'decode 2 -> 1');
  }, 25_000);

  it('holds and records a Warning event when an engine stops answering', async () => {
    const deadMs = Date.now();
    scenario.engines.decode.setDead(true);
    const event = await until(
      () =>
        scenario.cluster.events.store
          .list(namespace)
          .find((e) => e.reason === 'HoldingReplicas' && String(e.message).startsWith('decode')),
      15_000,
      'a HoldingReplicas event',
    );
    expect(event.type).toBe('Warning');
    expect(event.involvedObject).toMatchObject({ kind: 'RoleBasedGroup', name: rbgName });
    expect(String(event.message)).toMatch(/^decode holds 1 replicas: /);
    expect(writesFor('decode', deadMs)).toEqual([]);
    scenario.engines.decode.setDead(false);
  }, 20_000);

  it('exits 0 on SIGTERM and releases its lease', async () => {
    expect(await serve.kill('SIGTERM')).toBe(0);
    expect(scenario.cluster.leases.store.get(namespace, 'pdscaler')?.spec).toMatchObject({
      holderIdentity: '',
    });
  });
});
