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

/** Compiles `spec.metrics` with defaults, or returns its issues. */
export function compileMetrics(doc: MetricsDoc | undefined): { metrics?: MetricsSpec; issues: PathIssue[] } {
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
  if (issues.length > 0) return { issues };
  const metrics: MetricsSpec = {
    source,
    engine: m.engine ?? 'vllm',
    intervalS: ms(m.interval, d.loopIntervalS) / 1000,
    model: m.model,
    scrape: scrapeSpec(m.scrape),
    prometheus: prometheusSpec(m.prometheus),
  };
  return { issues, metrics };
}
