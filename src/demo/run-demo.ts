// SPDX-License-Identifier: Apache-2.0
// `pdscaler demo`: everything on one machine, no cluster. The in-memory Kubernetes API holds an RBG
// with prefill/decode scaling adapters; a simulated vLLM fleet replays a day-shaped shared trace in
// real time and serves each replica's /metrics on loopback; pdscaler runs in direct mode against it
// (the same runtime as `pdscaler serve`), with its external metrics API, its KEDA scaler and the
// status page. Every endpoint is announced on stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LoadedPolicy, ServeConfig } from '../loop/config.js';
import { startServe, type RunningServe } from '../loop/serve-runtime.js';
import { formatIssue } from '../policy/issue.js';
import { loadPolicyFile, packageRoot, readNamedProfile } from '../policy/load.js';
import { defaultSimParameters } from '../sim/backtest.js';
import { Fleet } from '../sim/fleet/fleet.js';
import { dynamoFleetProfile } from '../sim/fleet/latency-model.js';
import type { Timers } from '../sources/discovery/pods.js';
import type { Logger } from '../telemetry/logger.js';
import { FakeCluster } from './cluster/fake-cluster.js';
import { demoTrace } from './demo-trace.js';
import { LiveFleet } from './live-fleet.js';

export interface DemoOptions {
  /** The status page's port; 0 picks a free one. */
  readonly statusPort: number;
  /** Seconds one simulated day takes. */
  readonly dayS: number;
  readonly profilesDir?: string;
  readonly logger: Logger;
  readonly nowMs: () => number;
  readonly timers: Timers;
  readonly announce: (line: string) => void;
}

export interface RunningDemo {
  readonly serve: RunningServe;
  stop(): Promise<void>;
}

/** The demo runs the policy in examples/demo/: short interval, cold start and windows. */
export const demoPolicyFile = resolve(packageRoot(), 'examples/demo/policy.yaml');
/** The trace as recorded: its day-shaped peak needs several prefill replicas of the 8B profile. */
const traceScale = 1;
/** The replicas' cold start: short, so the demo shows scale-ups landing within its minutes. */
const demoColdStartS = 20;

function loadDemoPolicy(profilesDir: string | undefined): LoadedPolicy {
  const loaded = loadPolicyFile(demoPolicyFile, profilesDir === undefined ? {} : { profilesDir });
  if (!loaded.ok) throw new Error(loaded.issues.map(formatIssue).join('\n'));
  return { file: demoPolicyFile, spec: loaded.spec, metrics: loaded.metrics };
}

function demoServeConfig(policy: LoadedPolicy, kubeconfig: string, statusPort: number): ServeConfig {
  return {
    file: '(pdscaler demo)',
    mode: 'direct',
    advisory: false,
    policies: [policy],
    kubeconfig,
    identity: 'pdscaler-demo',
    tickDeadlineS: undefined,
    // Direct mode writes /scale; the API and the KEDA scaler run beside it so both can be tried.
    externalMetrics: {
      address: '127.0.0.1',
      port: 0,
      tls: undefined,
      authentication: 'none',
      apiService: undefined,
    },
    keda: { address: '127.0.0.1', port: 0, tls: undefined, keepaliveMs: 30_000 },
    leaderElection: undefined,
    state: undefined,
    statusPage: { address: '127.0.0.1', port: statusPort },
  };
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const policy = loadDemoPolicy(options.profilesDir);
  const { spec } = policy;
  const profileName = 'dynamo-h200-llama3.1-8b-fp8';
  const profile = readNamedProfile(
    profileName,
    options.profilesDir === undefined ? {} : { profilesDir: options.profilesDir },
  );
  if (!profile.ok) throw new Error(profile.message);
  const trace = await demoTrace({ dayS: options.dayS, totalS: 24 * 3600, scale: traceScale });
  const cluster = await FakeCluster.start();
  const initial = { prefill: spec.roles.prefill.minReplicas, decode: spec.roles.decode.minReplicas };
  cluster.seedRbg({ namespace: spec.namespace, name: spec.rbgName, replicas: initial, ready: false });
  const fleet = new Fleet(
    {
      profile: dynamoFleetProfile(profile.profile),
      modelName: 'llama-3.1-8b',
      startMs: options.nowMs(),
      coldStartS: { prefill: demoColdStartS, decode: demoColdStartS },
      prefillBatchTokens: defaultSimParameters.prefillBatchTokens,
      kvTransfer: {
        bytesPerToken: defaultSimParameters.kvBytesPerToken,
        gigabytesPerS: defaultSimParameters.kvGigabytesPerS,
      },
      initialReplicas: initial,
    },
    trace.requests,
  );
  const live = new LiveFleet({
    fleet,
    cluster,
    namespace: spec.namespace,
    rbg: spec.rbgName,
    nowMs: options.nowMs,
    timers: options.timers,
  });
  await live.start();
  const dir = mkdtempSync(join(tmpdir(), 'pdscaler-demo-'));
  const stopAll = async (serve: RunningServe | undefined): Promise<void> => {
    await serve?.stop();
    await live.stop();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const kubeconfig = await cluster.writeKubeconfig(dir);
    options.announce(
      `demo: ${trace.name} (${trace.requests.length.toLocaleString('en-US')} requests, a day every ${options.dayS} s), RBG ${spec.namespace}/${spec.rbgName}, policy ${spec.namespace}/${spec.name}, in-memory Kubernetes API ${cluster.server.url}`,
    );
    const serve = await startServe(demoServeConfig(policy, kubeconfig, options.statusPort), {
      logger: options.logger,
      nowMs: options.nowMs,
      timers: options.timers,
      env: {},
      announce: options.announce,
    });
    return { serve, stop: () => stopAll(serve) };
  } catch (error) {
    await stopAll(undefined);
    throw error;
  }
}
