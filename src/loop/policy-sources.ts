// SPDX-License-Identifier: Apache-2.0
// Where one policy's observation comes from, per `spec.metrics.source`: the engine pods of each role
// (discovered through the apiserver, scraped, windowed) or Prometheus (one instant query per signal).
// One small interface for both (KEDA's one module per source behind `Scaler`, kedacore/keda pkg/scalers/scaler.go). A
// policy with `spec.gateway` also reads the inference gateway each tick: its queued and shed requests
// land on the prefill role (docs/reference.md §E.1.5).
import type { KubeConfig } from '@kubernetes/client-node';
import type { DecisionSpec, Observation, Role, RoleObservation } from '../decision/types.js';
import type { MetricsSpec } from '../policy/metrics.js';
import { observePolicy, type RoleSource } from '../sources/collect/observe-policy.js';
import { RoleCollector } from '../sources/collect/role-collector.js';
import { kubePodApi } from '../sources/discovery/kube-pod-api.js';
import { RolePodDiscovery, type DiscoveryStatus } from '../sources/discovery/pods.js';
import { gatewayObservation, type GatewaySource } from '../sources/gateway/gateway-reading.js';
import { roleSignalsRequest } from '../sources/prometheus/from-policy.js';
import { queryRoleSignals, toRoleObservation } from '../sources/prometheus/source.js';
import type { Scraper } from '../sources/scrape/scraper.js';
import { TargetHealth } from '../sources/scrape/target-health.js';
import type { Logger } from '../telemetry/logger.js';

/** One policy's metrics, whatever their origin. */
export interface PolicySource {
  start(): Promise<void>;
  /** Never throws: a failing part leaves its fields stale or absent and says why in `notes`. */
  observe(nowMs: number, signal: AbortSignal): Promise<SourcedObservation>;
  stop(): void;
}

export interface SourcedObservation {
  readonly observation: Observation;
  readonly notes: Readonly<Record<Role, readonly string[]>>;
}

export interface PolicySourceOptions {
  readonly spec: DecisionSpec;
  readonly metrics: MetricsSpec;
  readonly kubeConfig: KubeConfig;
  /** One scraper for every policy: it bounds concurrency and keeps sockets per engine. */
  readonly scraper: Scraper;
  readonly nowMs: () => number;
  readonly logger: Logger;
  /** The policy's gateway (spec.gateway), read alongside the engines. */
  readonly gateway?: GatewaySource | undefined;
}

class EngineSource implements PolicySource {
  private readonly roles: Readonly<Record<Role, RoleSource>>;
  private readonly discoveries: readonly RolePodDiscovery[];

  constructor(options: PolicySourceOptions) {
    const { spec, metrics, kubeConfig, scraper, logger } = options;
    const api = kubePodApi(kubeConfig);
    const location = {
      ...(metrics.scrape.port === undefined ? {} : { port: metrics.scrape.port }),
      ...(metrics.scrape.path === undefined ? {} : { path: metrics.scrape.path }),
    };
    const source = (role: Role): RoleSource & { discovery: RolePodDiscovery } => {
      const roleLogger = logger.child({ role });
      return {
        discovery: new RolePodDiscovery({
          role: {
            namespace: spec.namespace,
            rbg: spec.rbgName,
            role: spec.roles[role].roleName,
            leaderWorker: false,
          },
          api,
          metrics: location,
          now: options.nowMs,
          onStatusChange: (status: DiscoveryStatus) => {
            if (status.state === 'resyncing')
              roleLogger.warn({ reason: status.reason }, 'pod discovery resyncing');
            else roleLogger.info({ state: status.state }, 'pod discovery');
          },
        }),
        collector: new RoleCollector({
          engine: metrics.engine,
          ...(metrics.model === undefined ? {} : { model: metrics.model }),
          fetcher: scraper,
          health: new TargetHealth({ staleAfterMisses: metrics.scrape.staleAfterMisses }),
          logger: roleLogger,
        }),
      };
    };
    const prefill = source('prefill');
    const decode = source('decode');
    this.roles = { prefill, decode };
    this.discoveries = [prefill.discovery, decode.discovery];
  }

  async start(): Promise<void> {
    await Promise.all(this.discoveries.map((d) => d.start()));
  }

  observe(nowMs: number, signal: AbortSignal): Promise<SourcedObservation> {
    return observePolicy(this.roles, nowMs, signal);
  }

  stop(): void {
    for (const discovery of this.discoveries) discovery.stop();
  }
}

class PrometheusPolicySource implements PolicySource {
  private readonly options: PolicySourceOptions;

  constructor(options: PolicySourceOptions) {
    this.options = options;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  async observe(nowMs: number, signal: AbortSignal): Promise<SourcedObservation> {
    const { spec, metrics } = this.options;
    const role = async (name: Role): Promise<[RoleObservation, string[]]> => {
      const request = roleSignalsRequest(spec, metrics, name);
      if (request === undefined) return [{}, ['no Prometheus settings']];
      const signals = await queryRoleSignals({ ...request, signal }, () => nowMs);
      const notes = Object.entries(signals).flatMap(([key, reading]) =>
        'error' in reading ? [`${key} unknown: ${reading.error.message}`] : [],
      );
      return [toRoleObservation(signals, spec.slo.quantile), notes];
    };
    const [prefill, decode] = await Promise.all([role('prefill'), role('decode')]);
    return {
      observation: { roles: { prefill: prefill[0], decode: decode[0] } },
      notes: { prefill: prefill[1], decode: decode[1] },
    };
  }

  stop(): void {
    // Nothing held open: every query is its own request.
  }
}

/** Adds the gateway's reading to the prefill role of every observation; its notes say why it is unknown. */
class WithGateway implements PolicySource {
  private readonly inner: PolicySource;
  private readonly gateway: GatewaySource;

  constructor(inner: PolicySource, gateway: GatewaySource) {
    this.inner = inner;
    this.gateway = gateway;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  async observe(nowMs: number, signal: AbortSignal): Promise<SourcedObservation> {
    const [sourced, reading] = await Promise.all([
      this.inner.observe(nowMs, signal),
      this.gateway.read(signal),
    ]);
    const { roles } = sourced.observation;
    return {
      observation: {
        ...sourced.observation,
        roles: { ...roles, prefill: { ...roles.prefill, ...gatewayObservation(reading) } },
      },
      notes: { ...sourced.notes, prefill: [...sourced.notes.prefill, ...reading.notes] },
    };
  }

  stop(): void {
    this.inner.stop();
  }
}

/** The source `spec.metrics.source` names, plus the gateway when the policy has one. */
export function policySource(options: PolicySourceOptions): PolicySource {
  const source =
    options.metrics.source === 'prometheus' ? new PrometheusPolicySource(options) : new EngineSource(options);
  return options.gateway === undefined ? source : new WithGateway(source, options.gateway);
}
