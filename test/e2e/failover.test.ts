// SPDX-License-Identifier: Apache-2.0
// High availability end to end: two `pdscaler serve` replicas on one Lease. The leader is killed
// (SIGKILL, no release) in the middle of a scale-down window; the standby takes the lease once it
// expires and scales down when the ORIGINAL window ends, because the window lives in the state
// ConfigMap the leader saved every tick, not in the dead process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const processes: ServeProcess[] = [];

function start(identity: string): ServeProcess {
  const config = writeDirectConfig(scenario, identity);
  const serve = new ServeProcess(config);
  processes.push(serve);
  return serve;
}

const holder = () =>
  (scenario.cluster.leases.store.get(namespace, 'pdscaler')?.spec as { holderIdentity?: string } | undefined)
    ?.holderIdentity;

beforeAll(async () => {
  scenario = await startScenario();
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGKILL')));
  await scenario.close();
});

describe('leader failover', () => {
  it('keeps the scale-down window across a leader kill', async () => {
    const leader = start('pdscaler-a');
    await until(() => (holder() === 'pdscaler-a' ? true : undefined), 20_000, 'pdscaler-a to lead');
    start('pdscaler-b');
    scenario.engines.prefill.setLoad(3);
    scenario.engines.decode.setLoad(3);
    await until(
      () => scenario.cluster.scaleWrites.find((w) => w.name === `${rbgName}-prefill` && w.replicas === 2),
      15_000,
      'prefill 1 -> 2',
    );

    const fallMs = Date.now();
    scenario.engines.prefill.setLoad(1);
    scenario.engines.decode.setLoad(1);
    await new Promise((r) => setTimeout(r, 2500));
    await leader.kill('SIGKILL');
    const killedMs = Date.now();

    const down = await until(
      () =>
        scenario.cluster.scaleWrites.find(
          (w) => w.name === `${rbgName}-prefill` && w.replicas === 1 && w.atMs > fallMs,
        ),
      25_000,
      'prefill 2 -> 1 by the standby',
    );
    expect(holder()).toBe('pdscaler-b');
    // Not before the 8 s window that started at the fall, and well before a window restarted at the
    // takeover (killed + 3 s lease + 8 s) would end.
    expect(down.atMs - fallMs).toBeGreaterThanOrEqual(8000);
    expect(down.atMs).toBeLessThan(killedMs + 3000 + 8000);
    // The Event follows the /scale write it reports.
    const scaledDown = await until(
      () =>
        scenario.cluster.events.store
          .list(namespace)
          .find((e) => e.reason === 'ScaledRole' && String(e.message).startsWith('prefill 2 -> 1')),
      5_000,
      'the ScaledRole event of the scale-down',
    );
    expect(scaledDown.reportingInstance).toBe('pdscaler-b');
  }, 60_000);
});
