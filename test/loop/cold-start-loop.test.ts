// SPDX-License-Identifier: Apache-2.0
// The policy loop measures cold starts from the pods it lists on the fake apiserver (both RBG label
// schemes) and uses them: the observation and the decision's horizon (`coldStart: auto`), the
// `pdscaler_cold_start_*` gauges, and the status page, all over real HTTP.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/demo/cluster/fake-apiserver.js';
import { FakeCluster } from '../../src/demo/cluster/fake-cluster.js';
import { DecisionBoard } from '../../src/loop/board.js';
import type { LoadedPolicy } from '../../src/loop/config.js';
import { PolicyLoop } from '../../src/loop/policy-loop.js';
import type { PolicySource } from '../../src/loop/policy-sources.js';
import { StateKeeper } from '../../src/loop/state-keeper.js';
import { loadPolicyBytes } from '../../src/policy/load.js';
import { SelfMetrics } from '../../src/serving/self-metrics.js';
import { startStatusPage, type StatusPage } from '../../src/serving/status/server.js';
import { kubePodApi } from '../../src/sources/discovery/kube-pod-api.js';
import { kubePulledEventApi } from '../../src/kube/pulled-events.js';
import { systemTimers } from '../../src/sources/discovery/pods.js';
import { namespace, policyYaml, rbgName } from '../e2e/harness.js';
import { legacyRbgLabels, makePod, rbgLabels } from '../fakes/pods.js';

const logger = pino({ level: 'silent' });
const created = '2026-03-01T10:00:00Z';
const policyLabel = `${namespace}/llama`;

/** The harness policy with prefill on `coldStart: auto` (prior: the 120 s default) and decode fixed at 5 s. */
function autoPolicy(): LoadedPolicy {
  const yaml = policyYaml.replace(
    'prefill: { minReplicas: 1, maxReplicas: 8, coldStart: 5s }',
    'prefill: { minReplicas: 1, maxReplicas: 8, coldStart: auto }',
  );
  const loaded = loadPolicyBytes('llama.yaml', new TextEncoder().encode(yaml));
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  return { file: 'llama.yaml', spec: loaded.spec, metrics: loaded.metrics };
}

/** A pod created at `created`, Ready `readyAfterS` later (undefined: not Ready), as the kubelet writes it. */
function startedPod(options: {
  name: string;
  labels: Record<string, string>;
  readyAfterS: number | undefined;
  restarts?: number;
}): KubeObject {
  const pod = makePod({
    name: options.name,
    namespace,
    labels: options.labels,
    ready: options.readyAfterS !== undefined,
  });
  const readyAt = new Date(Date.parse(created) + (options.readyAfterS ?? 30) * 1000)
    .toISOString()
    .replace('.000', '');
  return {
    ...pod,
    metadata: { ...pod.metadata, creationTimestamp: created },
    status: {
      ...(pod.status as object),
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: created },
        {
          type: 'Ready',
          status: options.readyAfterS === undefined ? 'False' : 'True',
          lastTransitionTime: readyAt,
        },
      ],
      containerStatuses: [{ name: 'engine', ready: true, restartCount: options.restarts ?? 0 }],
    },
  };
}

const quiet: PolicySource = {
  start: () => Promise.resolve(),
  observe: () =>
    Promise.resolve({
      observation: { roles: { prefill: {}, decode: {} } },
      notes: { prefill: [], decode: [] },
    }),
  stop: () => undefined,
};

describe('PolicyLoop cold starts', () => {
  let cluster: FakeCluster;
  let page: StatusPage;
  let board: DecisionBoard;
  let metrics: SelfMetrics;

  beforeEach(async () => {
    cluster = await FakeCluster.start();
    board = new DecisionBoard();
    metrics = new SelfMetrics();
    page = await startStatusPage({ board, host: '127.0.0.1', port: 0, nowMs: Date.now, logger, metrics });
  });

  afterEach(async () => {
    await page.close();
    await cluster.close();
  });

  function loop(withPods: boolean, withPulls = false): PolicyLoop {
    const policy = autoPolicy();
    return new PolicyLoop({
      policy,
      source: quiet,
      replicas: undefined,
      state: new StateKeeper({ key: policyLabel, persistence: undefined, logger }),
      board,
      actuator: undefined,
      isLeader: () => true,
      deadlineMs: 5000,
      nowMs: Date.now,
      timers: systemTimers,
      logger,
      metrics,
      ...(withPods ? { pods: kubePodApi(cluster.kubeConfig()) } : {}),
      ...(withPulls ? { pulls: kubePulledEventApi(cluster.kubeConfig()) } : {}),
    });
  }

  function seedPods(): void {
    const prefill = rbgLabels(rbgName, 'prefill');
    for (const pod of [
      startedPod({ name: 'llama-prefill-0', labels: prefill, readyAfterS: 187 }),
      startedPod({ name: 'llama-prefill-1', labels: prefill, readyAfterS: 240 }),
      startedPod({ name: 'llama-prefill-2', labels: prefill, readyAfterS: undefined }),
      startedPod({ name: 'llama-prefill-3', labels: prefill, readyAfterS: 900, restarts: 2 }),
      // Found by the v0.6 selector only: both schemes are listed.
      startedPod({ name: 'llama-decode-0', labels: legacyRbgLabels(rbgName, 'decode'), readyAfterS: 61 }),
    ])
      cluster.pods.store.apply(pod);
  }

  it('measures each role from its Ready pods and forecasts the auto role over the measurement', async () => {
    seedPods();
    const decision = await loop(true).tick();
    // p90 by nearest rank of {187, 240} is 240; the pod not Ready and the restarted one do not count.
    expect(decision?.roles.prefill.inputs.horizonS).toBe(240);
    expect(decision?.roles.decode.inputs.horizonS).toBe(5);
    const observation = board.get(namespace, 'llama')?.observation;
    expect(observation?.roles.prefill.coldStartS?.value).toBe(240);
    expect(observation?.roles.decode.coldStartS?.value).toBe(61);

    const exposition = await (await fetch(`${page.url}/metrics`)).text();
    expect(exposition).toContain(`pdscaler_cold_start_seconds{policy="${policyLabel}",role="prefill"} 240`);
    expect(exposition).toContain(`pdscaler_cold_start_samples{policy="${policyLabel}",role="prefill"} 2`);
    expect(exposition).toContain(`pdscaler_cold_start_seconds{policy="${policyLabel}",role="decode"} 61`);

    const fragment = await (await fetch(`${page.url}/status/fragment`)).text();
    expect(fragment).toContain('<td class="cold-start">measured 240 s; horizon 240 s (auto)</td>');
    expect(fragment).toContain('<td class="cold-start">measured 61 s; horizon 5 s</td>');
  });

  it('adds image pull times from kubelet Pulled events and exports their median', async () => {
    seedPods();
    const uidOf = (name: string): string => cluster.pods.store.get(namespace, name)?.metadata?.uid ?? '';
    const pulled = (name: string, pod: string, message: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      reason: 'Pulled',
      involvedObject: { kind: 'Pod', name: pod, namespace, uid: uidOf(pod) },
      message,
    });
    cluster.events.store.apply(
      pulled(
        'p0',
        'llama-prefill-0',
        'Successfully pulled image "vllm:v1" in 40.5s (41s including waiting). Image size: 9 bytes.',
      ),
    );
    cluster.events.store.apply(
      pulled('p1', 'llama-prefill-1', 'Container image "vllm:v1" already present on machine'),
    );
    await loop(true, true).tick();
    // Median of {40.5, 0} by nearest rank is 0 or 40.5: the tracker's rule, whichever it is, is exported.
    const text = await metrics.registry.getSingleMetricAsString('pdscaler_image_pull_seconds');
    expect(text).toMatch(/role="prefill"} (0|40\.5)\n?/);
  });

  it('keeps the estimate through a failed pod list and counts the failure', async () => {
    seedPods();
    const policyLoop = loop(true);
    await policyLoop.tick();
    cluster.server.failNext(4, 500, { path: /\/pods/ });
    const decision = await policyLoop.tick();
    expect(decision?.roles.prefill.inputs.horizonS).toBe(240);
    const errors = await metrics.sourceErrors.get();
    const pods = errors.values.filter((v) => v.labels.kind === 'pods');
    expect(pods.map((v) => v.labels.role).sort()).toEqual(['decode', 'prefill']);
  });

  it('forecasts over the prior and exports nothing without a pod lister (the Prometheus-only path)', async () => {
    seedPods();
    const decision = await loop(false).tick();
    expect(decision?.roles.prefill.inputs.horizonS).toBe(120);
    expect(board.get(namespace, 'llama')?.observation?.roles.prefill.coldStartS).toBeUndefined();
    expect(await (await fetch(`${page.url}/metrics`)).text()).not.toContain('pdscaler_cold_start_seconds{');
  });
});
