// SPDX-License-Identifier: Apache-2.0
// The policy loop with a Fluid Dataset: cold start is estimated per cache state of the
// Dataset, a coming scale-out creates one DataLoad while the cache is not full (never two at once),
// a full cache or advisory mode creates none; all against the fake apiserver.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/demo/cluster/fake-apiserver.js';
import { FakeCluster } from '../../src/demo/cluster/fake-cluster.js';
import { DecisionBoard } from '../../src/loop/board.js';
import type { LoadedPolicy } from '../../src/loop/config.js';
import { fluidFor } from '../../src/loop/fluid-watch.js';
import { PolicyLoop } from '../../src/loop/policy-loop.js';
import type { PolicySource } from '../../src/loop/policy-sources.js';
import { StateKeeper } from '../../src/loop/state-keeper.js';
import { loadPolicyBytes } from '../../src/policy/load.js';
import { SelfMetrics } from '../../src/serving/self-metrics.js';
import { kubePodApi } from '../../src/sources/discovery/kube-pod-api.js';
import { systemTimers } from '../../src/sources/discovery/pods.js';
import { namespace, policyYaml, rbgName } from '../e2e/harness.js';
import { makePod, rbgLabels } from '../fakes/pods.js';

const logger = pino({ level: 'silent' });
const created = '2026-03-01T10:00:00Z';

function fluidPolicy(prewarm: boolean): LoadedPolicy {
  const yaml = `${policyYaml.replace('prefill: { minReplicas: 1, maxReplicas: 8, coldStart: 5s }', 'prefill: { minReplicas: 1, maxReplicas: 8, coldStart: auto }')}  fluid: { dataset: llama-weights, prewarm: ${prewarm} }\n`;
  const loaded = loadPolicyBytes('llama.yaml', new TextEncoder().encode(yaml));
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  return { file: 'llama.yaml', spec: loaded.spec, metrics: loaded.metrics };
}

function dataset(cachedPercentage: string): KubeObject {
  return {
    apiVersion: 'data.fluid.io/v1alpha1',
    kind: 'Dataset',
    metadata: { name: 'llama-weights', namespace },
    status: { phase: 'Bound', cacheStates: { cachedPercentage } },
  };
}

/** A prefill pod created at `created`, Ready `readyAfterS` later. */
function startedPod(name: string, readyAfterS: number): KubeObject {
  const pod = makePod({ name, namespace, labels: rbgLabels(rbgName, 'prefill'), ready: true });
  const readyAt = new Date(Date.parse(created) + readyAfterS * 1000).toISOString().replace('.000', '');
  return {
    ...pod,
    metadata: { ...pod.metadata, creationTimestamp: created },
    status: {
      ...(pod.status as object),
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: readyAt }],
      containerStatuses: [{ name: 'engine', ready: true, restartCount: 0 }],
    },
  };
}

/** Demand for `prefillReplicas` prefill replicas at the harness capacity (10,000 tokens/s each). */
function demand(prefillReplicas: number): PolicySource {
  const at = (value: number) => ({ value, atMs: Date.now() });
  return {
    start: () => Promise.resolve(),
    observe: () =>
      Promise.resolve({
        observation: {
          roles: {
            prefill: {
              requestRatePerS: at(prefillReplicas * 10),
              inputTokensMean: at(1000),
              waitingRequests: at(0),
              readyReplicas: at(1),
            },
            decode: {
              runningRequests: at(1),
              waitingRequests: at(0),
              inputTokensMean: at(1000),
              outputTokensMean: at(100),
              readyReplicas: at(1),
            },
          },
        },
        notes: { prefill: [], decode: [] },
      }),
    stop: () => undefined,
  };
}

describe('PolicyLoop with a Fluid Dataset', () => {
  let cluster: FakeCluster;
  let metrics: SelfMetrics;

  beforeEach(async () => {
    cluster = await FakeCluster.start();
    metrics = new SelfMetrics();
  });
  afterEach(async () => {
    await cluster.close();
  });

  function loop(options: { prewarm: boolean; advisory?: boolean; source: PolicySource }): PolicyLoop {
    const policy = fluidPolicy(options.prewarm);
    return new PolicyLoop({
      policy,
      source: options.source,
      replicas: undefined,
      state: new StateKeeper({ key: `${namespace}/llama`, persistence: undefined, logger }),
      board: new DecisionBoard(),
      actuator: undefined,
      isLeader: () => true,
      deadlineMs: 5000,
      nowMs: Date.now,
      timers: systemTimers,
      logger,
      metrics,
      pods: kubePodApi(cluster.kubeConfig()),
      fluid: fluidFor(policy, cluster.kubeConfig(), {
        logger,
        nowMs: Date.now,
        advisory: options.advisory ?? false,
      }),
    });
  }

  it('keys the cold-start estimate by the cache state the starts were seen under', async () => {
    cluster.datasets.store.apply(dataset('20.0%'));
    cluster.pods.store.apply(startedPod('llama-prefill-0', 540));
    const l = loop({ prewarm: false, source: demand(1) });
    // First tick: the pod was already Ready (history): overall estimate only, 540 s.
    expect((await l.tick())?.roles.prefill.inputs.horizonS).toBe(540);
    // The cache fills; a pod that starts now is a cached start (80 s), and the cached estimate wins.
    cluster.datasets.store.apply(dataset('100.0%'));
    cluster.pods.store.apply(startedPod('llama-prefill-1', 80));
    expect((await l.tick())?.roles.prefill.inputs.horizonS).toBe(80);
    // Back to partial: no start seen under partial yet, so the overall p90 (540) is the horizon again.
    cluster.datasets.store.apply(dataset('40.0%'));
    expect((await l.tick())?.roles.prefill.inputs.horizonS).toBe(540);
    expect(await metrics.registry.getSingleMetricAsString('pdscaler_fluid_cached_percent')).toContain(' 40');
  });

  it('creates one DataLoad before a coming scale-out, and no second while it runs', async () => {
    cluster.datasets.store.apply(dataset('20.0%'));
    const l = loop({ prewarm: true, source: demand(4) });
    await l.tick();
    await l.tick();
    const loads = cluster.dataLoads.store.list(namespace);
    expect(loads).toHaveLength(1);
    expect(loads[0]).toMatchObject({ spec: { dataset: { name: 'llama-weights', namespace } } });
    const counted = await metrics.registry.getSingleMetricAsString('pdscaler_fluid_dataloads_total');
    expect(counted).toMatch(/outcome="created"} 1/);
    expect(counted).toMatch(/outcome="in-progress"} 1/);
  });

  it.each([
    ['the cache is full', { cached: '100.0%', prewarm: true, advisory: false, replicas: 4 }],
    ['no scale-out is coming', { cached: '20.0%', prewarm: true, advisory: false, replicas: 1 }],
    ['the policy does not ask for it', { cached: '20.0%', prewarm: false, advisory: false, replicas: 4 }],
    ['the process is advisory', { cached: '20.0%', prewarm: true, advisory: true, replicas: 4 }],
  ])('creates no DataLoad when %s', async (_, c) => {
    cluster.datasets.store.apply(dataset(c.cached));
    await loop({ prewarm: c.prewarm, advisory: c.advisory, source: demand(c.replicas) }).tick();
    expect(cluster.dataLoads.store.list(namespace)).toEqual([]);
  });
});
