// SPDX-License-Identifier: Apache-2.0
// pdscaler's own metrics (prom-client), one registry per process so tests can run several side by
// side. Names follow Prometheus conventions: base units (seconds), `_total` counters.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Request latency buckets in seconds: the HPA path has ~3 s end to end (docs/reference.md §B.2.3). */
const requestBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const tickBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class SelfMetrics {
  readonly registry = new Registry();
  readonly tickDuration = new Histogram({
    name: 'pdscaler_tick_duration_seconds',
    help: 'Duration of one loop tick (sources, decide, publish) per policy.',
    labelNames: ['policy'] as const,
    buckets: tickBuckets,
    registers: [this.registry],
  });
  readonly ticksOverrun = new Counter({
    name: 'pdscaler_tick_deadline_exceeded_total',
    help: 'Ticks whose sources missed the tick deadline (the decision used what had arrived).',
    labelNames: ['policy'] as const,
    registers: [this.registry],
  });
  readonly sourceErrors = new Counter({
    name: 'pdscaler_source_errors_total',
    help: "Source failures by kind: metrics (a role's metrics incomplete), kube (scaling adapter unreadable), pods (pod list for cold starts failed), deadline (tick deadline hit).",
    labelNames: ['policy', 'role', 'kind'] as const,
    registers: [this.registry],
  });
  readonly desiredReplicas = new Gauge({
    name: 'pdscaler_desired_replicas',
    help: 'Replicas the last decision asks for.',
    labelNames: ['policy', 'role'] as const,
    registers: [this.registry],
  });
  readonly currentReplicas = new Gauge({
    name: 'pdscaler_current_replicas',
    help: 'Replicas the role had when the last decision was made.',
    labelNames: ['policy', 'role'] as const,
    registers: [this.registry],
  });
  readonly decisionBoundBy = new Counter({
    name: 'pdscaler_decisions_total',
    help: 'Decisions per role by the rule that bound the final number.',
    labelNames: ['policy', 'role', 'rule'] as const,
    registers: [this.registry],
  });
  readonly scaleWrites = new Counter({
    name: 'pdscaler_scale_writes_total',
    help: 'Writes to a scaling adapter /scale by outcome (written, unchanged, skipped, failed, advisory).',
    labelNames: ['policy', 'role', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly coldStart = new Gauge({
    name: 'pdscaler_cold_start_seconds',
    help: 'Measured pod creation to Ready per role: p90 (nearest rank) of the last 20 starts (docs/reference.md §E.2.1).',
    labelNames: ['policy', 'role'] as const,
    registers: [this.registry],
  });
  readonly coldStartSamples = new Gauge({
    name: 'pdscaler_cold_start_samples',
    help: 'Pod starts the cold-start estimate is over (at most 20).',
    labelNames: ['policy', 'role'] as const,
    registers: [this.registry],
  });
  readonly imagePull = new Gauge({
    name: 'pdscaler_image_pull_seconds',
    help: 'Median image pull time of the starts in the cold-start estimate, from kubelet Pulled events (docs/reference.md §E.2.2).',
    labelNames: ['policy', 'role'] as const,
    registers: [this.registry],
  });
  readonly fluidCachedPercent = new Gauge({
    name: 'pdscaler_fluid_cached_percent',
    help: "The policy's Fluid Dataset status.cacheStates.cachedPercentage (cluster-wide), when known.",
    labelNames: ['policy'] as const,
    registers: [this.registry],
  });
  readonly fluidDataLoads = new Counter({
    name: 'pdscaler_fluid_dataloads_total',
    help: 'Pre-warm attempts before a scale-out by outcome (created, in-progress, cached, not-found, failed).',
    labelNames: ['policy', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'pdscaler_leader',
    help: '1 while this replica holds the leader lease (or leader election is off), else 0.',
    registers: [this.registry],
  });
  readonly apiRequestDuration = new Histogram({
    name: 'pdscaler_external_metrics_request_duration_seconds',
    help: 'External metrics API request latency by path kind and status code.',
    labelNames: ['route', 'code'] as const,
    buckets: requestBuckets,
    registers: [this.registry],
  });
  readonly grpcRequestDuration = new Histogram({
    name: 'pdscaler_keda_grpc_request_duration_seconds',
    help: 'KEDA external scaler call latency by method and gRPC status code.',
    labelNames: ['method', 'code'] as const,
    buckets: requestBuckets,
    registers: [this.registry],
  });

  /** The Prometheus text exposition of every metric. */
  async exposition(): Promise<{ readonly contentType: string; readonly body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
