// SPDX-License-Identifier: Apache-2.0
// The policy's `spec.metrics` section -> the source settings the collector and Prometheus source use.
// Kept apart from the DecisionSpec: the decider never sees where numbers came from.
import type { Engine, PromSignal } from '../sources/prometheus/templates.js';
import { PromSignals, templateIssues } from '../sources/prometheus/templates.js';
import { policyDefaults as d } from './defaults.js';
import { parseDurationS } from './durations.js';
import type { PathIssue } from './schema-issues.js';
import type { PolicyDocument } from './schema.js';

export interface MetricsSpec {
  readonly source: 'engines' | 'prometheus';
  readonly engine: Engine;
  /** Loop interval: one observation and one decision per interval. */
  readonly intervalS: number;
  readonly model: string | undefined;
  readonly scrape: {
    readonly port: number | undefined;
    readonly path: string | undefined;
    readonly timeoutMs: number;
    readonly staleAfterMisses: number;
  };
  readonly prometheus:
    | {
        readonly url: string;
        readonly windowS: number;
        readonly timeoutMs: number;
        readonly queries: Readonly<Partial<Record<PromSignal, string>>>;
      }
    | undefined;
  /** The Fluid Dataset holding the model (spec.fluid), when the policy names one. */
  readonly fluid:
    | { readonly dataset: string; readonly namespace: string | undefined; readonly prewarm: boolean }
    | undefined;
  /** The inference gateway's endpoint picker (spec.gateway), when the policy names one. */
  readonly gateway:
    | {
        readonly pool: string;
        readonly model: string | undefined;
        /** EPP /metrics URLs scraped directly; empty means read through `prometheus`. */
        readonly endpoints: readonly string[];
        readonly bearerTokenFile: string | undefined;
        /** How often a role at zero checks the gateway queue (scale from zero). */
        readonly pollIntervalMs: number;
      }
    | undefined;
}

type MetricsDoc = NonNullable<PolicyDocument['spec']['metrics']>;

function ms(text: string | undefined, fallbackS: number): number {
  return (text === undefined ? fallbackS : parseDurationS(text)) * 1000;
}

function queryIssues(queries: Readonly<Partial<Record<string, string>>>): PathIssue[] {
  return PromSignals.flatMap((signal) => {
    const template = queries[signal];
    if (template === undefined) return [];
    return templateIssues(signal, template).map((problem) => ({
      path: ['spec', 'metrics', 'prometheus', 'queries', signal],
      at: 'value' as const,
      message: `spec.metrics.prometheus.queries.${signal}: ${problem}`,
    }));
  });
}

function prometheusSpec(p: MetricsDoc['prometheus']): MetricsSpec['prometheus'] {
  if (p === undefined) return undefined;
  const queries: Partial<Record<PromSignal, string>> = {};
  for (const signal of PromSignals) {
    const template = p.queries?.[signal];
    if (template !== undefined) queries[signal] = template;
  }
  return {
    url: p.url,
    windowS: ms(p.window, d.prometheusWindowS) / 1000,
    timeoutMs: ms(p.timeout, d.scrapeTimeoutS),
    queries,
  };
}

function scrapeSpec(scrape: MetricsDoc['scrape']): MetricsSpec['scrape'] {
  return {
    port: scrape?.port,
    path: scrape?.path,
    timeoutMs: ms(scrape?.timeout, d.scrapeTimeoutS),
    staleAfterMisses: scrape?.staleAfterMisses ?? d.staleAfterMisses,
  };
}

type GatewayDoc = NonNullable<PolicyDocument['spec']['gateway']>;
type FluidDoc = NonNullable<PolicyDocument['spec']['fluid']>;

function gatewaySpec(g: GatewayDoc | undefined): MetricsSpec['gateway'] {
  if (g === undefined) return undefined;
  return {
    pool: g.pool,
    model: g.model,
    endpoints: g.endpoints ?? [],
    bearerTokenFile: g.bearerTokenFile,
    pollIntervalMs:
      g.pollInterval === undefined ? d.gatewayPollIntervalMs : parseDurationS(g.pollInterval) * 1000,
  };
}

/** Compiles `spec.metrics` (and `spec.gateway`, the other place numbers come from) with defaults. */
export function compileMetrics(
  doc: MetricsDoc | undefined,
  elsewhere: { readonly gateway?: GatewayDoc | undefined; readonly fluid?: FluidDoc | undefined } = {},
): { metrics?: MetricsSpec; issues: PathIssue[] } {
  const { gateway, fluid } = elsewhere;
  const m = doc ?? {};
  const source = m.source ?? 'engines';
  const issues: PathIssue[] = queryIssues(m.prometheus?.queries ?? {});
  if (source === 'prometheus' && m.prometheus === undefined) {
    issues.unshift({
      path: ['spec', 'metrics', 'source'],
      at: 'value',
      message: 'spec.metrics.source = "prometheus" needs spec.metrics.prometheus.url',
    });
  }
  if (gateway !== undefined && gateway.endpoints === undefined && m.prometheus === undefined) {
    issues.push({
      path: ['spec', 'gateway'],
      at: 'key',
      message: 'spec.gateway needs endpoints (the endpoint picker /metrics URLs) or spec.metrics.prometheus',
    });
  }
  if (issues.length > 0) return { issues };
  const metrics: MetricsSpec = {
    source,
    engine: m.engine ?? 'vllm',
    intervalS: ms(m.interval, d.loopIntervalS) / 1000,
    model: m.model,
    scrape: scrapeSpec(m.scrape),
    prometheus: prometheusSpec(m.prometheus),
    gateway: gatewaySpec(gateway),
    fluid:
      fluid === undefined
        ? undefined
        : { dataset: fluid.dataset, namespace: fluid.namespace, prewarm: fluid.prewarm ?? false },
  };
  return { issues, metrics };
}
