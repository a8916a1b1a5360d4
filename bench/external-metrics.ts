// SPDX-License-Identifier: Apache-2.0
// External metrics API throughput: 64 concurrent keep-alive HTTPS clients for 10 s against the metric
// path of the real server (real TLS, one published policy), and against a bare express 5 HTTPS handler
// returning the same bytes under the same load, in the same process. Target: ours >= 0.7x the bare
// handler. The load runs in a worker thread so the clients do not share the servers' event loop, and
// the 10 s are five interleaved 2 s rounds per server, so machine load hits all of them alike.
// The real server is measured twice: authentication off, and delegated authentication with a bearer
// token whose TokenReview and SubjectAccessReview caches are warm (an in-process delegate that always
// allows; the warm-up fills both caches, so the measured seconds make no review calls).
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import express from 'express';
import { pino } from 'pino';
import { decide } from '../src/decision/decide.js';
import type { DecisionSpec, Observation } from '../src/decision/types.js';
import { DecisionBoard } from '../src/loop/board.js';
import { loadPolicyFile } from '../src/policy/load.js';
import type { AuthDelegate } from '../src/serving/auth/delegate.js';
import { startExternalMetricsApi, type ExternalMetricsApi } from '../src/serving/external-metrics/server.js';
import { SelfMetrics } from '../src/serving/self-metrics.js';
import { selfSignedServingTls, type ServingTls } from '../src/serving/tls.js';

const concurrency = 64;
const warmUpMs = 1_000;
const rounds = 5;
const roundMs = 2_000;
const targetRatio = 0.7;

interface LoadJob {
  readonly role: 'external-metrics-load';
  readonly url: string;
  readonly ca: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly warmUpMs: number;
  readonly measureMs: number;
}

interface LoadResult {
  readonly failures: number;
  readonly seconds: number;
  /** Latency of every successful request in the measured window, ms. */
  readonly latenciesMs: Float64Array;
}

/** One keep-alive request; resolves with its status (0 on a transport error). */
function fetchOnce(job: LoadJob, agent: Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = request(job.url, { agent, ca: job.ca, headers: job.headers }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', () => {
      resolve(0);
    });
    req.end();
  });
}

/** The worker side: `concurrency` clients in a closed loop, warm-up first, then the measured window. */
async function runLoad(job: LoadJob): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let failures = 0;
  const measureFromMs = performance.now() + job.warmUpMs;
  const endMs = measureFromMs + job.measureMs;
  const client = async (): Promise<void> => {
    while (performance.now() < endMs) {
      const sentMs = performance.now();
      const status = await fetchOnce(job, agent);
      if (sentMs < measureFromMs) continue;
      if (status === 200) latencies.push(performance.now() - sentMs);
      else failures++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = (performance.now() - measureFromMs) / 1000;
  agent.destroy();
  return { failures, seconds, latenciesMs: Float64Array.from(latencies) };
}

async function loadFromWorker(job: Omit<LoadJob, 'role'>): Promise<LoadResult> {
  const worker = new Worker(fileURLToPath(import.meta.url), {
    workerData: { ...job, role: 'external-metrics-load' } satisfies LoadJob,
  });
  const [result] = (await once(worker, 'message')) as [LoadResult];
  await worker.terminate();
  return result;
}

/** The shipped chat policy; found from bench/ (tsx) and from dist/bench/ (npm run bench) alike. */
function loadBenchSpec(): DecisionSpec {
  const candidates = ['../policies/chat-h200.yaml', '../../policies/chat-h200.yaml'].map((relative) =>
    fileURLToPath(new URL(relative, import.meta.url)),
  );
  const file = candidates.find((candidate) => existsSync(candidate)) ?? candidates[0] ?? '';
  const loaded = loadPolicyFile(file);
  if (!loaded.ok) throw new Error(`bench policy invalid: ${loaded.issues[0]?.message ?? ''}`);
  return loaded.spec;
}

function benchObservation(nowMs: number): Observation {
  const at = <T>(value: T) => ({ value, atMs: nowMs });
  return {
    roles: {
      prefill: {
        requestRatePerS: at(40),
        inputTokensMean: at(3000),
        outputTokensMean: at(150),
        waitingRequests: at(2),
        ttftMs: at({ quantilesMs: { p90: 420 } }),
      },
      decode: {
        activeConversations: at(300),
        inputTokensMean: at(3000),
        outputTokensMean: at(150),
        tpotMs: at({ quantilesMs: { p90: 18 } }),
      },
    },
  };
}

/** Publishes a fresh decision every second, as the loop would, so readings never go stale mid-run. */
function keepPublishing(board: DecisionBoard): { spec: DecisionSpec; stop: () => void } {
  const spec = loadBenchSpec();
  const publish = (): void => {
    const nowMs = Date.now();
    const observation = benchObservation(nowMs);
    const { decision } = decide(spec, observation, { roles: {} }, nowMs);
    board.publish({
      namespace: spec.namespace,
      name: spec.name,
      spec,
      intervalS: 15,
      decision,
      observation,
      publishedAtMs: nowMs,
    });
  };
  publish();
  const timer = setInterval(publish, 1_000);
  return {
    spec,
    stop: () => {
      clearInterval(timer);
    },
  };
}

/** Always authenticates the bench token and allows everything: only the warm-up reaches it. */
const allowAll: AuthDelegate = {
  authenticationConfig: () => ({}),
  onAuthenticationConfigChange: () => () => undefined,
  reviewToken: () =>
    Promise.resolve({
      authenticated: true,
      user: {
        username: 'system:serviceaccount:kube-system:horizontal-pod-autoscaler',
        groups: [],
        extra: {},
      },
    }),
  reviewAccess: () => Promise.resolve({ allowed: true }),
};

function startOurs(
  board: DecisionBoard,
  tls: ServingTls,
  auth: AuthDelegate | undefined,
): Promise<ExternalMetricsApi> {
  return startExternalMetricsApi({
    board,
    host: '127.0.0.1',
    port: 0,
    tls,
    auth,
    nowMs: Date.now,
    logger: pino({ level: 'silent' }),
    metrics: new SelfMetrics(),
    ready: () => ({ ok: true }),
  });
}

function readBody(url: string, ca: string, headers: Record<string, string>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    request(url, { ca, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        if (res.statusCode === 200) resolve(Buffer.concat(chunks));
        else
          reject(
            new Error(`bench request answered ${res.statusCode ?? 0}: ${Buffer.concat(chunks).toString()}`),
          );
      });
    })
      .on('error', reject)
      .end();
  });
}

/** The baseline: one express 5 route sending `body`, with the same settings as ours (no ETag hashing). */
async function startBare(
  tls: ServingTls,
  path: string,
  body: Buffer,
): Promise<{ url: string; server: Server }> {
  const app = express();
  app.set('etag', false);
  app.get(path.split('?')[0] ?? path, (_req, res) => {
    res.type('application/json').send(body);
  });
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `https://127.0.0.1:${port}`, server };
}

async function closeBare(server: Server): Promise<void> {
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeAllConnections();
  await closed;
}

interface Target {
  readonly label: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly results: LoadResult[];
}

/** Every target once per round, the order rotating so none is always first after a pause. */
async function interleave(targets: readonly Target[], ca: string): Promise<void> {
  for (let round = 0; round < rounds; round++)
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(round + i) % targets.length]!;
      const result = await loadFromWorker({
        url: target.url,
        ca,
        headers: target.headers,
        warmUpMs: round === 0 ? warmUpMs : 200,
        measureMs: roundMs,
      });
      target.results.push(result);
    }
}

function summary(target: Target): { rate: number; line: string } {
  const requests = target.results.reduce((sum, r) => sum + r.latenciesMs.length, 0);
  const seconds = target.results.reduce((sum, r) => sum + r.seconds, 0);
  const failures = target.results.reduce((sum, r) => sum + r.failures, 0);
  const sorted = new Float64Array(requests);
  let offset = 0;
  for (const result of target.results) {
    sorted.set(result.latenciesMs, offset);
    offset += result.latenciesMs.length;
  }
  sorted.sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const rate = requests / seconds;
  const line =
    `  ${target.label.padEnd(48)} ${Math.round(rate).toLocaleString('en-US').padStart(8)} req/s` +
    `  p50 ${at(0.5).toFixed(2).padStart(6)} ms  p99 ${at(0.99).toFixed(2).padStart(6)} ms` +
    (failures === 0 ? '' : `  (${failures} failed)`);
  return { rate, line };
}

/** Lines to print: the servers' figures and the ratio against the target. */
export async function benchExternalMetrics(): Promise<string[]> {
  const board = new DecisionBoard();
  const publisher = keepPublishing(board);
  const tls = await selfSignedServingTls({ hosts: ['127.0.0.1'], nowMs: Date.now() });
  const [open, delegated] = await Promise.all([
    startOurs(board, tls, undefined),
    startOurs(board, tls, allowAll),
  ]);
  const selector = encodeURIComponent(`pdscaler.io/policy=${publisher.spec.name}`);
  const path = `/apis/external.metrics.k8s.io/v1beta1/namespaces/${publisher.spec.namespace}/prefill-desired-replicas?labelSelector=${selector}`;
  const token = { authorization: 'Bearer bench-token' };
  const body = await readBody(`${open.url}${path}`, tls.certPem, {});
  const bare = await startBare(tls, path, body);
  try {
    const targets: Target[] = [
      { label: 'pdscaler, authentication off', url: `${open.url}${path}`, headers: {}, results: [] },
      {
        label: 'pdscaler, delegated auth (warm token+SAR cache)',
        url: `${delegated.url}${path}`,
        headers: token,
        results: [],
      },
      {
        label: 'bare express 5 handler, same bytes (baseline)',
        url: `${bare.url}${path}`,
        headers: {},
        results: [],
      },
    ];
    await interleave(targets, tls.certPem);
    const [ours, withAuth, baseline] = targets.map(summary);
    if (ours === undefined || withAuth === undefined || baseline === undefined)
      throw new Error('unreachable');
    const ratio = ours.rate / baseline.rate;
    return [
      `external metrics API: ${concurrency} keep-alive HTTPS clients (worker thread), ${(rounds * roundMs) / 1000} s per server in ${rounds} interleaved rounds, ${body.length}-byte ExternalMetricValueList:`,
      ours.line,
      withAuth.line,
      baseline.line,
      `  ratio ${ratio.toFixed(2)}x (auth off), ${(withAuth.rate / baseline.rate).toFixed(2)}x (delegated auth): target >= ${targetRatio}x ${ratio >= targetRatio ? 'met' : 'MISSED'}`,
    ];
  } finally {
    publisher.stop();
    await Promise.all([open.close(), delegated.close(), closeBare(bare.server)]);
  }
}

if (!isMainThread && (workerData as Partial<LoadJob> | null)?.role === 'external-metrics-load') {
  const result = await runLoad(workerData as LoadJob);
  parentPort?.postMessage(result);
}
