// SPDX-License-Identifier: Apache-2.0
// A new replica never blinds the role, end to end through a ramp. The serve runtime runs in
// direct mode against the fake cluster, with its external metrics API and KEDA scaler beside it (as in
// `pdscaler demo`). The test plays kubelet: each replica pdscaler writes to a role's /scale becomes a
// Ready pod with its own live vLLM engine, and the load is spread over the role's pods. Prefill load
// rises in steps; every new prefill replica is on its first page for one tick. No tick after the first
// measured one may hold a role (decode sizes by Little's law on prefill's request rate, so a blind
// prefill would hold it too), and neither the KEDA scaler nor the external metrics API may answer
// UNAVAILABLE / 503 once the first decision is published. In-process (not the built CLI) so that every
// published decision is seen, not a sample of them; the engines and the loop run on the wall clock.
import { request } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/decision/types.js';
import { Roles } from '../../src/decision/types.js';
import { loadServeConfig } from '../../src/loop/config.js';
import { startServe, type RunningServe } from '../../src/loop/serve-runtime.js';
import { connectExternalScaler, type ExternalScalerClient } from '../../src/serving/keda/client.js';
import { systemTimers } from '../../src/sources/discovery/pods.js';
import { makePod, rbgLabels } from '../fakes/pods.js';
import {
  namespace,
  policyYaml,
  rbgName,
  startBaseEngine,
  startScenario,
  until,
  writeServeConfig,
  type Scenario,
} from './harness.js';
import { LiveEngine } from './live-engine.js';

let scenario: Scenario;
let running: RunningServe | undefined;
let kedaClient: ExternalScalerClient | undefined;

/** Each role's engines, one per Ready pod; the first is the scenario's. */
const engines: Record<Role, LiveEngine[]> = { prefill: [], decode: [] };
/** The role's whole load in units of one base engine (5 req/s, 50 running). */
const load: Record<Role, number> = { prefill: 1, decode: 1 };
let stepping: ReturnType<typeof setInterval> | undefined;

interface Tick {
  readonly atMs: number;
  readonly ready: Readonly<Record<Role, number | undefined>>;
  readonly limits: Readonly<Record<Role, readonly string[]>>;
}
const ticks: Tick[] = [];
const failedReads: string[] = [];
let firstDecisionSeen = false;
let polling = true;

function spread(role: Role): void {
  for (const engine of engines[role]) engine.setLoad(load[role] / engines[role].length);
}

async function addReplica(role: Role): Promise<void> {
  const engine = await startBaseEngine(role);
  engines[role].push(engine);
  spread(role);
  scenario.cluster.pods.store.apply(
    makePod({
      name: `${rbgName}-${role}-${engines[role].length - 1}`,
      namespace,
      ip: '127.0.0.1',
      labels: rbgLabels(rbgName, role),
      annotations: { 'prometheus.io/port': String(engine.port) },
    }),
  );
  scenario.cluster.setReady(namespace, rbgName, role, engines[role].length);
}

/** Kubelet: a replica written to /scale is a Ready pod one step later (cold start is not the point). */
async function reconcile(): Promise<void> {
  for (const role of Roles) {
    const spec = scenario.cluster.adapters.store.get(namespace, `${rbgName}-${role}`)?.spec as
      { replicas?: number } | undefined;
    while ((spec?.replicas ?? 0) > engines[role].length) await addReplica(role);
  }
}

/** One external metrics read over HTTPS (the serving pair is self-signed: loopback only). */
function externalMetric(metric: string): Promise<{ status: number; body: string }> {
  const url = `${running?.externalMetrics?.url ?? ''}/apis/external.metrics.k8s.io/v1beta1/namespaces/${namespace}/${metric}?labelSelector=${encodeURIComponent('pdscaler.io/policy=llama')}`;
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    })
      .on('error', reject)
      .end();
  });
}

/** KEDA's polling loop and the HPA's, for both roles' desired replicas, until the test ends. */
async function pollOutputs(): Promise<void> {
  while (polling) {
    for (const role of Roles) {
      const metric = `${role}-desired-replicas`;
      const scaledObjectRef = {
        name: `${rbgName}-${role}`,
        namespace,
        scalerMetadata: { scalerAddress: '', policy: 'llama', role },
      };
      const seenBefore = firstDecisionSeen;
      try {
        await kedaClient?.getMetrics({
          scaledObjectRef,
          metricName: `pdscaler_${namespace}_llama_${metric}`,
        });
      } catch (error) {
        if (seenBefore) failedReads.push(`KEDA GetMetrics ${role}: ${(error as Error).message}`);
      }
      const reply = await externalMetric(metric);
      if (seenBefore && reply.status !== 200)
        failedReads.push(`external metrics ${metric}: ${reply.status} ${reply.body}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
let poller: Promise<void> | undefined;

beforeAll(async () => {
  scenario = await startScenario();
  // Decode by Little's law on prefill's request rate: a prefill role blind to its rate holds decode too.
  writeFileSync(
    join(scenario.dir, 'policy.yaml'),
    policyYaml.replace('decode: { model: active-conversations }', 'decode: { model: littles-law }'),
  );
  const loaded = loadServeConfig(
    writeServeConfig(
      scenario,
      'ramp',
      `mode: direct
leaderElection: { enabled: false }
externalMetrics: { enabled: true, address: 127.0.0.1, port: 0, authentication: none }
`,
    ),
  );
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  engines.prefill.push(scenario.engines.prefill);
  engines.decode.push(scenario.engines.decode);
  // The KEDA scaler beside direct mode, as `pdscaler demo` runs it (a config file allows it in keda mode only).
  const keda = { address: '127.0.0.1', port: 0, tls: undefined, keepaliveMs: 30_000 };
  running = await startServe(
    { ...loaded.config, keda },
    {
      logger: pino({ level: 'silent' }),
      nowMs: Date.now,
      timers: systemTimers,
      env: {},
      announce: () => undefined,
    },
  );
  running.board.subscribe((entry) => {
    const decision = entry.decision;
    if (decision === undefined) return;
    firstDecisionSeen = true;
    ticks.push({
      atMs: decision.atMs,
      ready: {
        prefill: decision.roles.prefill.inputs.readyReplicas,
        decode: decision.roles.decode.inputs.readyReplicas,
      },
      limits: { prefill: decision.roles.prefill.limits, decode: decision.roles.decode.limits },
    });
  });
  kedaClient = connectExternalScaler({ address: running.keda?.address ?? '' });
  poller = pollOutputs();
  stepping = setInterval(() => {
    void reconcile();
  }, 100);
}, 30_000);

afterAll(async () => {
  polling = false;
  if (stepping !== undefined) clearInterval(stepping);
  await poller;
  kedaClient?.close();
  await running?.stop();
  await Promise.all([...engines.prefill.slice(1), ...engines.decode.slice(1)].map((e) => e.close()));
  await scenario.close();
});

const held = (limits: readonly string[]): boolean =>
  limits.includes('missing-metrics') || limits.includes('stale-metrics');

describe('a ramp in which new prefill replicas turn Ready', () => {
  it('scales prefill 1 -> 4 without a single held tick or unavailable read after the first decision', async () => {
    // Base load 5 req/s x 1,000 tokens is half a prefill replica (10,000 tokens/s each).
    await until(() => ticks.find((t) => !held(t.limits.prefill)), 15_000, 'a first measured decision');
    for (const step of [3, 5, 7]) {
      load.prefill = step;
      spread('prefill');
      const replicas = Math.ceil(step / 2);
      await until(
        () => (engines.prefill.length >= replicas ? true : undefined),
        20_000,
        `${replicas} prefill replicas at load ${step}`,
      );
      // Three more ticks: the new replica's first page, its first window, one more.
      const since = Date.now();
      await until(
        () => (ticks.filter((t) => t.atMs > since).length >= 3 ? true : undefined),
        10_000,
        '3 ticks',
      );
    }
    const measuredFrom = ticks.findIndex((t) => !held(t.limits.prefill) && !held(t.limits.decode));
    const after = ticks.slice(measuredFrom);
    const holds = after.filter((t) => Roles.some((role) => held(t.limits[role])));
    expect(holds).toEqual([]);
    // The ramp did what it says: prefill went from 1 to 4 Ready replicas, one step at a time.
    const readyPrefill = [...new Set(after.map((t) => t.ready.prefill))];
    expect(readyPrefill).toEqual(expect.arrayContaining([1, 2, 3, 4]));
    expect(failedReads).toEqual([]);
    console.log(
      `ramp: ${after.length} ticks after the first measured one, prefill Ready ${readyPrefill.join(' -> ')}, ${holds.length} holds, ${failedReads.length} unavailable reads`,
    );
  }, 120_000);
});
