// SPDX-License-Identifier: Apache-2.0
// End-to-end harness: the fake cluster holding an RBG with prefill/decode scaling adapters and one pod
// per role whose /metrics is a live fake vLLM engine, a policy and a serve config on disk, and
// `pdscaler serve` started as a child process (the built CLI, as users run it).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FakeCluster } from '../../src/demo/cluster/fake-cluster.js';
import { makePod, rbgLabels } from '../fakes/pods.js';
import { LiveEngine } from './live-engine.js';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const namespace = 'serving';
export const rbgName = 'llama';

/**
 * Explicit capacities so every number is computable by hand: a prefill replica serves 10,000 prompt
 * tokens/s, a decode replica 100 conversations. Base load: 5 req/s x 1,000 tokens and 50 running
 * conversations = 1 replica each; `setLoad(3)` needs 2 prefill (15,000 tok/s) and 2 decode (150).
 */
export const policyYaml = `apiVersion: pdscaler.io/v1alpha1
kind: ScalingPolicy
metadata:
  name: llama
  namespace: ${namespace}
spec:
  target:
    rbg: ${rbgName}
  roles:
    prefill: { minReplicas: 1, maxReplicas: 8, coldStart: 5s }
    decode: { minReplicas: 1, maxReplicas: 8, coldStart: 5s }
  slo:
    ttftMs: 1000
    tpotMs: 50
  capacity:
    explicit:
      prefillTokensPerSecondPerReplica: 10000
      decodeMaxBatchPerReplica: 100
      decodeItlAtMaxBatchMs: 20
  # Exact timings too: the scale-down follows the raw need after its 8 s window, with no burst memory
  # or SLO feedback (each has its own tests under test/decision/).
  behavior:
    scaleUp: { stabilizationWindow: 2s }
    scaleDown: { stabilizationWindow: 8s, smoothing: 0s, burstMemory: 0s }
    staleAfter: 4s
    burnRate: { enabled: false }
  forecast:
    method: none
    headroomSigmas: 0
  # The end-to-end tests pin exact replica counts from load x capacity; the queueing and Little's-law
  # sizing have their own tests (test/decision/sizing-rules.test.ts).
  sizing:
    prefill: { model: throughput }
    decode: { model: active-conversations }
  metrics:
    interval: 1s
    scrape: { timeout: 500ms, staleAfterMisses: 2 }
`;

/** One engine pod at the base load: 5 req/s of 1,000-token prompts; decode runs 50 conversations. */
export function startBaseEngine(role: 'prefill' | 'decode'): Promise<LiveEngine> {
  return LiveEngine.start({
    modelName: 'llama',
    requestsPerS: 5,
    promptTokens: [{ value: 1000, perS: 5 }],
    generationTokens: [{ value: 100, perS: 5 }],
    ttftSeconds: [{ value: 0.2, perS: 5 }],
    itlSeconds: [{ value: 0.02, perS: 500 }],
    waiting: 0,
    running: role === 'decode' ? 50 : 0,
    kvCacheUsage: 0.3,
  });
}

export interface Scenario {
  readonly cluster: FakeCluster;
  readonly engines: Readonly<Record<'prefill' | 'decode', LiveEngine>>;
  readonly dir: string;
  readonly kubeconfig: string;
  close(): Promise<void>;
}

export async function startScenario(): Promise<Scenario> {
  const cluster = await FakeCluster.start();
  cluster.seedRbg({ namespace, name: rbgName, replicas: { prefill: 1, decode: 1 } });
  const engines = { prefill: await startBaseEngine('prefill'), decode: await startBaseEngine('decode') };
  for (const role of ['prefill', 'decode'] as const)
    cluster.pods.store.apply(
      makePod({
        name: `${rbgName}-${role}-0`,
        namespace,
        ip: '127.0.0.1',
        labels: rbgLabels(rbgName, role),
        annotations: { 'prometheus.io/port': String(engines[role].port) },
      }),
    );
  const dir = mkdtempSync(join(tmpdir(), 'pdscaler-e2e-'));
  const kubeconfig = await cluster.writeKubeconfig(dir);
  writeFileSync(join(dir, 'policy.yaml'), policyYaml);
  return {
    cluster,
    engines,
    dir,
    kubeconfig,
    async close() {
      await Promise.all([engines.prefill.close(), engines.decode.close()]);
      await cluster.close();
    },
  };
}

/** Writes a serve config beside the policy and returns its path. */
export function writeServeConfig(scenario: Scenario, name: string, body: string): string {
  const path = join(scenario.dir, `${name}.yaml`);
  writeFileSync(
    path,
    `apiVersion: pdscaler.io/v1alpha1\nkind: ServeConfig\npolicies: [policy.yaml]\nkubeconfig: ${scenario.kubeconfig}\n${body}`,
  );
  return path;
}

/** Direct mode with a short lease (3 s) and the state ConfigMap, as `identity`: the HA tests' config. */
export function writeDirectConfig(scenario: Scenario, identity: string): string {
  return writeServeConfig(
    scenario,
    identity,
    `mode: direct
identity: ${identity}
leaderElection: { namespace: ${namespace}, leaseDuration: 3s, renewDeadline: 2s, retryPeriod: 500ms }
state: { configMap: { namespace: ${namespace}, name: pdscaler-state } }
`,
  );
}

/** A running `pdscaler serve` child process with its output collected. */
export class ServeProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(configPath: string, env: Record<string, string> = {}) {
    this.child = spawn(
      process.execPath,
      [join(repoRoot, 'bin/pdscaler.js'), 'serve', '--config', configPath],
      {
        env: { ...process.env, PDSCALER_LOG_LEVEL: 'debug', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child.stdout
      ?.setEncoding('utf8')
      .on('data', (chunk: string) => this.stdout.push(...chunk.split('\n').filter((l) => l !== '')));
    this.child.stderr
      ?.setEncoding('utf8')
      .on('data', (chunk: string) => this.stderr.push(...chunk.split('\n').filter((l) => l !== '')));
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code) => {
        resolve(code);
      });
    });
  }

  /** Waits until a stdout line matches; rejects with the output so far after `timeoutMs`. */
  async line(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.stdout) {
        const match = pattern.exec(line);
        if (match !== null) return match;
      }
      if (Date.now() > deadline)
        throw new Error(
          `no stdout line matched ${pattern}\nstdout:\n${this.stdout.join('\n')}\nstderr:\n${this.stderr.slice(-40).join('\n')}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Log records (pino JSON on stderr) whose `msg` matches. */
  logs(pattern: RegExp): Record<string, unknown>[] {
    return this.stderr
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      })
      .filter((record) => typeof record.msg === 'string' && pattern.test(record.msg));
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}

export async function until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
