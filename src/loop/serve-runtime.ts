// SPDX-License-Identifier: Apache-2.0
// `pdscaler serve`: builds the running system from a loaded config. Every policy gets its sources, a
// state keeper and a tick on its own interval; every output reads the shared DecisionBoard. Which
// outputs run is the mode (standalone: external metrics API + APIService; keda: the gRPC scaler;
// direct: /scale writes, plus an optional read-only API), and `advisory` turns every write off. A
// policy with `spec.gateway` also gets a fast scale-from-zero poll beside its tick.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeScalingAdapterApi } from '../kube/adapters.js';
import { ApiServiceRegistration } from '../kube/apiservice.js';
import { startDelegatedAuth, type DelegatedAuth } from '../kube/delegated-auth.js';
import { EventRecorder } from '../kube/events.js';
import { LeaderElector } from '../kube/leader-election.js';
import { ScaleWriter } from '../kube/scale-writer.js';
import { DecisionStateStore } from '../kube/state-store.js';
import { startExternalMetricsApi, type ExternalMetricsApi } from '../serving/external-metrics/server.js';
import { startKedaScaler, type KedaScaler } from '../serving/keda/server.js';
import { SelfMetrics } from '../serving/self-metrics.js';
import { startStatusPage, type StatusPage } from '../serving/status/server.js';
import { loadServingTls, selfSignedServingTls, type ServingTls } from '../serving/tls.js';
import { gatewaySourceFor } from '../sources/gateway/from-policy.js';
import { kubePodApi } from '../sources/discovery/kube-pod-api.js';
import { fluidFor } from './fluid-watch.js';
import { kubePulledEventApi } from '../kube/pulled-events.js';
import { Scraper } from '../sources/scrape/scraper.js';
import type { Timers } from '../sources/discovery/pods.js';
import type { Logger } from '../telemetry/logger.js';
import { ScaleActuator } from './actuator.js';
import { DecisionBoard } from './board.js';
import type { LoadedPolicy, ServeConfig } from './config.js';
import { PolicyLoop, type ReplicaReader } from './policy-loop.js';
import { policySource, type PolicySource } from './policy-sources.js';
import type { PolicyReplicas } from './replica-fields.js';
import { ScaleFromZero } from './scale-from-zero.js';
import { IntervalScheduler } from './scheduler.js';
import { StateKeeper, type StatePersistence } from './state-keeper.js';

export interface ServeDeps {
  readonly logger: Logger;
  readonly nowMs: () => number;
  readonly timers: Timers;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** One line per endpoint, for people and scripts ("WHAT: URL", e.g. "status page: http://127.0.0.1:8080/"). */
  readonly announce: (line: string) => void;
}

export interface RunningServe {
  readonly board: DecisionBoard;
  readonly metrics: SelfMetrics;
  readonly externalMetrics: ExternalMetricsApi | undefined;
  readonly keda: KedaScaler | undefined;
  readonly statusPage: StatusPage | undefined;
  /** Stops ticking, closes servers, releases the lease. */
  stop(): Promise<void>;
}

/** The default tick deadline: most of the interval, so the tick ends before the next one is due. */
const deadlineShare = 0.8;

function loadKubeConfig(config: ServeConfig): KubeConfig {
  const kc = new KubeConfig();
  if (config.kubeconfig === undefined) kc.loadFromDefault();
  else kc.loadFromFile(config.kubeconfig);
  return kc;
}

function statePersistence(store: DecisionStateStore): StatePersistence {
  return {
    async load(key) {
      const all = await store.load();
      return all.find((s) => `${s.namespace}/${s.name}` === key)?.state;
    },
    async save(key, state) {
      const slash = key.indexOf('/');
      const saved = await store.save({ namespace: key.slice(0, slash), name: key.slice(slash + 1) }, state);
      if (!saved.saved) throw new Error(saved.message);
    },
  };
}

function replicaReader(writer: ScaleWriter, policy: LoadedPolicy): ReplicaReader {
  const { spec } = policy;
  const read = async (role: 'prefill' | 'decode', signal: AbortSignal) => {
    try {
      return await writer.readRole(
        { namespace: spec.namespace, rbg: spec.rbgName, role: spec.roles[role].roleName },
        signal,
      );
    } catch {
      return undefined; // unknown, never 0: the decision falls back to its own last number
    }
  };
  return {
    async read(signal): Promise<PolicyReplicas> {
      const [prefill, decode] = await Promise.all([read('prefill', signal), read('decode', signal)]);
      return { prefill, decode };
    },
  };
}

async function servingTls(config: ServeConfig, nowMs: number): Promise<ServingTls> {
  const files = config.externalMetrics?.tls;
  if (files !== undefined) return loadServingTls(files);
  const service = config.externalMetrics?.apiService?.service;
  const hosts =
    service === undefined
      ? []
      : [
          `${service.name}.${service.namespace}.svc`,
          `${service.name}.${service.namespace}.svc.cluster.local`,
        ];
  return selfSignedServingTls({ hosts, nowMs });
}

class Runtime {
  readonly board = new DecisionBoard();
  readonly metrics = new SelfMetrics();
  externalMetrics: ExternalMetricsApi | undefined;
  keda: KedaScaler | undefined;
  statusPage: StatusPage | undefined;
  private readonly config: ServeConfig;
  private readonly deps: ServeDeps;
  private readonly kubeConfig: KubeConfig;
  private readonly identity: string;
  private readonly scraper: Scraper;
  private readonly sources: PolicySource[] = [];
  private readonly schedulers: IntervalScheduler[] = [];
  private readonly keepers: StateKeeper[] = [];
  private readonly wakers: ScaleFromZero[] = [];
  private elector: LeaderElector | undefined;
  private auth: DelegatedAuth | undefined;

  constructor(config: ServeConfig, deps: ServeDeps) {
    this.config = config;
    this.deps = deps;
    this.kubeConfig = loadKubeConfig(config);
    this.identity = config.identity ?? deps.env.POD_NAME ?? hostname();
    this.scraper = new Scraper({ now: deps.nowMs });
  }

  isLeader = (): boolean => this.elector?.isLeader() ?? true;

  async start(): Promise<void> {
    const { config, deps } = this;
    deps.logger.info(
      {
        mode: config.mode,
        advisory: config.advisory,
        identity: this.identity,
        policies: config.policies.length,
      },
      'starting',
    );
    for (const policy of config.policies)
      this.board.publish({
        namespace: policy.spec.namespace,
        name: policy.spec.name,
        spec: policy.spec,
        intervalS: policy.metrics.intervalS,
        publishedAtMs: deps.nowMs(),
      });
    await this.startOutputs();
    this.startElection();
    for (const policy of config.policies) await this.startPolicy(policy);
  }

  private startElection(): void {
    const election = this.config.leaderElection;
    if (election === undefined) {
      this.metrics.leader.set(1);
      return;
    }
    this.elector = new LeaderElector({
      kubeConfig: this.kubeConfig,
      namespace: election.namespace,
      leaseName: election.leaseName,
      identity: this.identity,
      leaseDurationS: election.leaseDurationS,
      renewDeadlineS: election.renewDeadlineS,
      retryPeriodS: election.retryPeriodS,
      logger: this.deps.logger,
      metrics: this.metrics,
      nowMs: this.deps.nowMs,
      onStoppedLeading: () => {
        for (const keeper of this.keepers) keeper.forgetLoaded();
      },
    });
    this.elector.start();
  }

  private async startOutputs(): Promise<void> {
    const { config, deps } = this;
    if (config.statusPage !== undefined) {
      // Started first, so its history follows the board from the very first decision.
      this.statusPage = await startStatusPage({
        board: this.board,
        host: config.statusPage.address,
        port: config.statusPage.port,
        nowMs: deps.nowMs,
        logger: deps.logger,
        metrics: this.metrics,
        ready: () => this.readiness(),
      });
      deps.announce(`status page: ${this.statusPage.url}/`);
    }
    if (config.externalMetrics !== undefined) {
      const em = config.externalMetrics;
      const tls = await servingTls(config, deps.nowMs());
      if (em.authentication === 'delegated')
        this.auth = await startDelegatedAuth({
          kubeConfig: this.kubeConfig,
          logger: deps.logger,
          nowMs: deps.nowMs,
        });
      this.externalMetrics = await startExternalMetricsApi({
        board: this.board,
        host: em.address,
        port: em.port,
        tls,
        auth: this.auth,
        nowMs: deps.nowMs,
        logger: deps.logger,
        metrics: this.metrics,
        ready: () => this.readiness(),
      });
      // Registered once the server listens: the aggregator must never route to a server that is not up.
      if (config.mode === 'standalone' && !config.advisory) await this.registerApiService(tls);
      deps.announce(`external metrics API: ${this.externalMetrics.url}/apis/external.metrics.k8s.io/v1beta1`);
    }
    if (config.keda !== undefined) {
      const keda = config.keda;
      const tls = keda.tls === undefined ? undefined : await loadServingTls(keda.tls);
      const clientCaPem =
        keda.tls?.clientCaFile === undefined ? undefined : await readFile(keda.tls.clientCaFile, 'utf8');
      this.keda = await startKedaScaler({
        board: this.board,
        host: keda.address,
        port: keda.port,
        nowMs: deps.nowMs,
        logger: deps.logger,
        metrics: this.metrics,
        keepaliveTimeMs: keda.keepaliveMs,
        ...(tls === undefined
          ? {}
          : { tls: { ...tls, ...(clientCaPem === undefined ? {} : { clientCaPem }) } }),
      });
      for (const policy of config.policies)
        deps.announce(
          `KEDA external scaler: ${this.keda.address} (policy=${policy.spec.namespace}/${policy.spec.name})`,
        );
    }
  }

  private async registerApiService(tls: ServingTls): Promise<void> {
    const apiService = this.config.externalMetrics?.apiService;
    if (apiService === undefined || !apiService.manage) return;
    const registration = new ApiServiceRegistration({
      kubeConfig: this.kubeConfig,
      logger: this.deps.logger,
    });
    const result = await registration.ensure({
      service: apiService.service,
      takeOver: apiService.takeOver,
      caBundlePem: tls.certPem,
    });
    this.deps.logger.info(
      { action: result.action, service: apiService.service },
      'APIService v1beta1.external.metrics.k8s.io',
    );
  }

  private readiness(): { ok: boolean; reason?: string } {
    const waiting = this.board.list().filter((entry) => entry.decision === undefined);
    return waiting.length === 0
      ? { ok: true }
      : {
          ok: false,
          reason: `no decision yet for ${waiting.map((e) => `${e.namespace}/${e.name}`).join(', ')}`,
        };
  }

  private async startPolicy(policy: LoadedPolicy): Promise<void> {
    const { config, deps } = this;
    const key = `${policy.spec.namespace}/${policy.spec.name}`;
    const logger = deps.logger.child({ policy: key });
    const gateway = gatewaySourceFor(policy.metrics, deps.nowMs);
    const source = policySource({
      spec: policy.spec,
      metrics: policy.metrics,
      kubeConfig: this.kubeConfig,
      scraper: this.scraper,
      nowMs: deps.nowMs,
      logger,
      gateway,
    });
    this.sources.push(source);
    await source.start();
    const writer = new ScaleWriter({
      api: kubeScalingAdapterApi(this.kubeConfig),
      logger,
      metrics: this.metrics,
    });
    const store =
      config.state === undefined
        ? undefined
        : new DecisionStateStore({
            kubeConfig: this.kubeConfig,
            namespace: config.state.namespace,
            name: config.state.name,
            logger,
            nowMs: deps.nowMs,
          });
    const keeper = new StateKeeper({
      key,
      persistence: store === undefined ? undefined : statePersistence(store),
      logger,
    });
    this.keepers.push(keeper);
    const events = new EventRecorder({
      kubeConfig: this.kubeConfig,
      identity: this.identity,
      logger,
      nowMs: deps.nowMs,
    });
    const actuator = config.advisory
      ? undefined
      : new ScaleActuator({
          spec: policy.spec,
          scale: config.mode === 'direct' ? writer : undefined,
          events,
          logger,
        });
    const loop = new PolicyLoop({
      policy,
      source,
      replicas: replicaReader(writer, policy),
      state: keeper,
      board: this.board,
      actuator,
      isLeader: this.isLeader,
      deadlineMs: (config.tickDeadlineS ?? policy.metrics.intervalS * deadlineShare) * 1000,
      nowMs: deps.nowMs,
      timers: deps.timers,
      logger,
      metrics: this.metrics,
      pods: kubePodApi(this.kubeConfig),
      pulls: kubePulledEventApi(this.kubeConfig),
      fluid: fluidFor(policy, this.kubeConfig, { logger, nowMs: deps.nowMs, advisory: config.advisory }),
    });
    const scheduler = new IntervalScheduler({
      intervalMs: policy.metrics.intervalS * 1000,
      run: async () => {
        await loop.tick();
      },
      timers: deps.timers,
      nowMs: deps.nowMs,
      onSkipped: (slots) => {
        logger.warn({ slots }, 'tick overran its interval');
      },
    });
    this.schedulers.push(scheduler);
    scheduler.start();
    const gatewaySpec = policy.metrics.gateway;
    if (gateway !== undefined && gatewaySpec !== undefined) {
      const waker = new ScaleFromZero({
        spec: policy.spec,
        pool: gatewaySpec.pool,
        gateway,
        board: this.board,
        scale: actuator !== undefined && config.mode === 'direct' ? writer : undefined,
        isLeader: this.isLeader,
        pollIntervalMs: gatewaySpec.pollIntervalMs,
        nowMs: deps.nowMs,
        timers: deps.timers,
        logger,
      });
      this.wakers.push(waker);
      waker.start();
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.schedulers, ...this.wakers].map((s) => s.stop()));
    for (const source of this.sources) source.stop();
    await this.elector?.stop();
    this.auth?.close();
    await Promise.all([this.externalMetrics?.close(), this.keda?.close(), this.statusPage?.close()]);
    this.scraper.close();
  }
}

/** Starts everything the config asks for; rejects (after closing what started) when a part cannot start. */
export async function startServe(config: ServeConfig, deps: ServeDeps): Promise<RunningServe> {
  const runtime = new Runtime(config, deps);
  try {
    await runtime.start();
  } catch (error) {
    await runtime.stop().catch(() => undefined);
    throw error;
  }
  return {
    board: runtime.board,
    metrics: runtime.metrics,
    externalMetrics: runtime.externalMetrics,
    keda: runtime.keda,
    statusPage: runtime.statusPage,
    stop: async () => {
      await runtime.stop();
    },
  };
}
